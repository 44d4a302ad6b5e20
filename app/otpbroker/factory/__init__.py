"""Per-device secrets made once at first boot, the brochure that prints them, and the
USB reset stick that checks the reset code."""

from __future__ import annotations

from otpbroker.factory.device_secrets import FactorySecrets
from otpbroker.factory.sealing_keys import SealingKeyFiles
from otpbroker.factory.setup_code import ALPHABET, SetupCode, normalise_code

__all__ = ["ALPHABET", "FactorySecrets", "SealingKeyFiles", "SetupCode", "normalise_code"]

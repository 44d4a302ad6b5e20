"""One module per ``otp-broker`` subcommand."""

from __future__ import annotations

from otpbroker.i18n.translate import _


def error_prefix(command: str) -> str:
    """What a refusal of ``command`` starts with: ``otp-broker config set: error:``."""
    return _("{command}: error:").format(command=command)

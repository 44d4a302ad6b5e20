"""The modem families the emulator can behave like, each following its vendor's manual.

``PERSONALITIES`` maps each name (``otp-broker modem-sim --profile NAME``) to its
:class:`Personality`; :func:`personality` looks one up with a precise error.
"""

from __future__ import annotations

from .base import Identity, Noise, Personality
from .generic import GENERIC
from .huawei import HUAWEI_E3131
from .quectel import EC25
from .simcom_2g import SIM800
from .simcom_lte import SIM7600
from .zte import MF667

DEFAULT = "generic"
PERSONALITIES: dict[str, Personality] = {
    p.name: p for p in (GENERIC, HUAWEI_E3131, MF667, EC25, SIM7600, SIM800)
}
NAMES = tuple(PERSONALITIES)


def personality(name: str) -> Personality:
    """The personality called ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return PERSONALITIES[name]
    except KeyError:
        raise ValueError(f"unknown modem profile {name!r} (known: {', '.join(NAMES)})") from None


__all__ = ["DEFAULT", "NAMES", "PERSONALITIES", "Identity", "Noise", "Personality", "personality"]

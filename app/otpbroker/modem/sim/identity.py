"""Generated identities for a bank of emulated modems (IMEI, IMSI, MSISDN), and profiles
built from a personality with realistic timing."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import Any

from .personalities import DEFAULT, personality
from .profile import ModemProfile

# Display names used for the Indonesian network 510-10.
OPERATORS = ("TELKOMSEL", "Telkomsel", "IND TELKOMSEL")

REALISTIC_TIMING: dict[str, Any] = {
    "send_delay_range": (1.0, 6.0),
    "ussd_delay_range": (1.0, 5.0),
    "prompt_delay": 0.05,
    "boot_delay": 2.0,
    "reboot_time": 3.0,
    "scan_delay": 8.0,
}
"""Field measurements in round numbers: an SMSC round trip of 1-6 s, USSD 1-5 s, a few
seconds to boot, a network scan of several seconds."""


def luhn_digit(body: str) -> str:
    """The Luhn check digit to append to ``body`` (an IMEI's first 14 digits)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        digit = int(ch)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    return number.isdigit() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def timing(realistic: bool, overrides: dict[str, Any]) -> dict[str, Any]:
    """Timing fields: realistic ones unless ``realistic`` is false; an explicit
    ``send_delay`` / ``ussd_delay`` in ``overrides`` replaces the random range."""
    fields = dict(REALISTIC_TIMING) if realistic else {}
    for fixed, span in (("send_delay", "send_delay_range"), ("ussd_delay", "ussd_delay_range")):
        if fixed in overrides and span not in overrides:
            fields[span] = None
    return fields | overrides


def generate_profile(
    index: int, rng: random.Random, personality_name: str = DEFAULT, **overrides: Any
) -> ModemProfile:
    """A profile with a random identity for ``personality_name``; the operator rotates
    with ``index``. ``overrides`` replace any field (e.g. ``send_delay=0.5``, ``pin="1234"``).
    """
    persona = personality(personality_name)
    body = "86" + _digits(rng, 12)
    ident = persona.identity
    profile = ModemProfile(
        personality=persona.name,
        imei=body + luhn_digit(body),
        imsi="51010" + _digits(rng, 10),
        msisdn="+62811" + _digits(rng, 7),
        operator=OPERATORS[index % len(OPERATORS)],
        manufacturer=ident.manufacturer,
        model=ident.model,
        revision=ident.revision,
        smsc="+6281100000",
        signal=rng.randint(12, 28),
        seed=rng.randrange(2**32),
    )
    return dataclasses.replace(profile, **overrides)


def generate_profiles(
    count: int,
    seed: int | None = None,
    personalities: Sequence[str] = (DEFAULT,),
    **overrides: Any,
) -> list[ModemProfile]:
    """``count`` profiles with pairwise distinct IMEI, IMSI and MSISDN; the personalities
    are handed out in turn."""
    if not personalities:
        raise ValueError("at least one modem profile is needed")
    for name in personalities:
        personality(name)
    rng = random.Random(seed)
    profiles: list[ModemProfile] = []
    seen: set[str] = set()
    for _attempt in range(100 * count + 100):
        if len(profiles) == count:
            break
        name = personalities[len(profiles) % len(personalities)]
        profile = generate_profile(len(profiles), rng, name, **overrides)
        keys = {profile.imei, profile.imsi, profile.msisdn}
        if len(keys) < 3 or keys & seen:
            continue
        seen |= keys
        profiles.append(profile)
    else:
        raise ValueError("cannot generate distinct identities with these overrides")
    return profiles


def personality_profile(
    name: str = DEFAULT, *, realistic: bool = True, seed: int | None = None, **fields: Any
) -> ModemProfile:
    """One profile of personality ``name`` with a generated identity and, unless
    ``realistic`` is false, realistic seeded timing (``fields`` override anything)."""
    [profile] = generate_profiles(1, seed, (name,), **timing(realistic, fields))
    return profile

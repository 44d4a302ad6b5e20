"""Generated identities for a bank of emulated modems (IMEI, IMSI, MSISDN, hardware)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from .profile import ModemProfile

# (manufacturer, model, revision, cgsn_prefixed, cmms_supported): models seen in the field.
HARDWARE = (
    ("huawei", "E3131", "21.158.00.00.143", False, False),
    ("SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B04SIM800L24", False, True),
    ("Quectel", "EC25", "EC25EFAR06A03M4G", True, True),
)
# Display names used for the Indonesian network 510-10.
OPERATORS = ("TELKOMSEL", "Telkomsel", "IND TELKOMSEL")


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


def generate_profile(index: int, rng: random.Random, **overrides: Any) -> ModemProfile:
    """A profile with a random identity; hardware and operator rotate with ``index``.

    ``overrides`` replace any field (e.g. ``send_delay=0.5``, ``pin="1234"``).
    """
    manufacturer, model, revision, cgsn_prefixed, cmms = HARDWARE[index % len(HARDWARE)]
    body = "86" + _digits(rng, 12)
    profile = ModemProfile(
        imei=body + luhn_digit(body),
        imsi="51010" + _digits(rng, 10),
        msisdn="+62811" + _digits(rng, 7),
        operator=OPERATORS[index % len(OPERATORS)],
        manufacturer=manufacturer,
        model=model,
        revision=revision,
        smsc="+6281100000",
        signal=rng.randint(12, 28),
        cgsn_prefixed=cgsn_prefixed,
        cmms_supported=cmms,
        seed=rng.randrange(2**32),
    )
    return dataclasses.replace(profile, **overrides)


def generate_profiles(count: int, seed: int | None = None, **overrides: Any) -> list[ModemProfile]:
    """``count`` profiles with pairwise distinct IMEI, IMSI and MSISDN."""
    rng = random.Random(seed)
    profiles: list[ModemProfile] = []
    seen: set[str] = set()
    for _attempt in range(100 * count + 100):
        if len(profiles) == count:
            break
        profile = generate_profile(len(profiles), rng, **overrides)
        keys = {profile.imei, profile.imsi, profile.msisdn}
        if len(keys) < 3 or keys & seen:
            continue
        seen |= keys
        profiles.append(profile)
    else:
        raise ValueError("cannot generate distinct identities with these overrides")
    return profiles

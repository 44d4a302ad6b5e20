"""Talking to an emulated modem's dialogue directly (no pty): a profile per personality."""

from __future__ import annotations

import random

from otpbroker.modem.sim import Dialogue, ModemProfile, personality_profile
from otpbroker.modem.sim.steps import written


def profile(name: str, **fields: object) -> ModemProfile:
    """A zero-delay profile of personality ``name`` with a fixed identity."""
    return personality_profile(name, realistic=False, seed=1, **fields)


def dialogue(name: str, **fields: object) -> Dialogue:
    """A powered-on modem of ``name`` with echo off."""
    modem = Dialogue(profile(name, **fields), rng=random.Random(1))
    ask(modem, "ATE0")
    return modem


def ask(modem: Dialogue, line: str) -> list[str]:
    """Send one command line; the non-empty lines written back at once."""
    data = written(modem.feed(line.encode() + b"\r"))
    return [part for part in data.decode("utf-8", "replace").split("\r\n") if part]

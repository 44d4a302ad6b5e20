"""Relative validity period (TP-VP) from minutes, per 3GPP TS 23.040 9.2.3.12.1."""

from __future__ import annotations

import math


def validity_from_minutes(minutes: int) -> int | None:
    """The TP-VP octet that keeps a message at least ``minutes``; None for "network default"."""
    if minutes <= 0:
        return None
    if minutes <= 720:
        return max(0, math.ceil(minutes / 5) - 1)
    if minutes <= 1440:
        return 143 + math.ceil((minutes - 720) / 30)
    if minutes <= 30 * 1440:
        return 166 + max(2, math.ceil(minutes / 1440))
    return min(255, 192 + math.ceil(minutes / 10080))

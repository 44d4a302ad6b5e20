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


#: The shortest relative validity period (TP-VP 0), in seconds: 5 minutes.
SHORTEST_VALIDITY_SECONDS = 300


def validity_seconds(octet: int) -> int:
    """How long the relative TP-VP ``octet`` (0..255) keeps a message, in seconds."""
    if not 0 <= octet <= 255:
        raise ValueError(f"a TP-VP octet is 0..255, got {octet}")
    if octet <= 143:
        return (octet + 1) * 300
    if octet <= 167:
        return 12 * 3600 + (octet - 143) * 1800
    if octet <= 196:
        return (octet - 166) * 86400
    return (octet - 192) * 7 * 86400


def validity_within(seconds: float) -> int:
    """The TP-VP octet of the longest relative period not above ``seconds``; never below the
    shortest one (octet 0, 5 minutes), which is what a message with less time left gets."""
    low, high = 0, 255
    while low < high:  # the periods grow with the octet: the largest one that fits
        middle = (low + high + 1) // 2
        if validity_seconds(middle) <= seconds:
            low = middle
        else:
            high = middle - 1
    return low

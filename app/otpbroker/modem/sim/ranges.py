"""Reading the ranges a test command lists, so that set commands accept exactly them."""

from __future__ import annotations

import re

_GROUP = re.compile(r"\(([^()]*)\)")


def parse_ranges(line: str) -> list[frozenset[int]]:
    """``+CNMI: (0-2),(0-3),(0,2)`` -> ``[{0,1,2}, {0,1,2,3}, {0,2}]`` (numbers only)."""
    groups: list[frozenset[int]] = []
    for body in _GROUP.findall(line.partition(":")[2]):
        values: set[int] = set()
        for item in filter(None, (part.strip() for part in body.split(","))):
            low, _, high = item.partition("-")
            if not low.isdigit() or (high and not high.isdigit()):
                raise ValueError(f"not a numeric range: {item!r}")
            values.update(range(int(low), int(high or low) + 1))
        groups.append(frozenset(values))
    return groups


def check_values(values: list[int], ranges: list[frozenset[int]]) -> None:
    """``ValueError`` when ``values`` has more items than ``ranges`` or one is outside."""
    if len(values) > len(ranges):
        raise ValueError(f"{len(values)} parameters, at most {len(ranges)}")
    for value, allowed in zip(values, ranges, strict=False):
        if value not in allowed:
            raise ValueError(f"{value} not in {sorted(allowed)}")

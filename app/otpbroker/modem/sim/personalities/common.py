"""Pieces every personality shares: the 3GPP test answers and helpers to write their own."""

from __future__ import annotations

from collections.abc import Mapping

from ..context import Context
from ..handlers.messages import cmgd_test, cmgl_test
from ..handlers.network import scan
from .base import Answer

BASE_TESTS: Mapping[str, Answer] = {
    "+CMGF": ("+CMGF: (0,1)",),
    "+CMEE": ("+CMEE: (0-2)",),
    "+CREG": ("+CREG: (0-2)",),
    "+CGREG": ("+CGREG: (0-2)",),
    "+CEREG": ("+CEREG: (0-2,4)",),
    "+CIREG": ("+CIREG: (0-2)",),
    "+CGSMS": ("+CGSMS: (0-3)",),
    "+CUSD": ("+CUSD: (0-2)",),
    "+CSMS": ("+CSMS: (0,1)",),
    "+CSQ": ("+CSQ: (0-31,99),(0-7,99)",),
    "+CFUN": ("+CFUN: (0,1,4),(0,1)",),
    "+CMMS": ("+CMMS: (0-2)",),
    "+CGATT": ("+CGATT: (0,1)",),
    "+CLIP": ("+CLIP: (0,1)",),
    "+CRC": ("+CRC: (0,1)",),
    "+CVHU": ("+CVHU: (0,1)",),
    "+COPS": scan,
    "+CMGD": cmgd_test,
    "+CMGL": cmgl_test,
    "+CGDCONT": tuple(
        f'+CGDCONT: (1-16),"{kind}",,,(0-2),(0-4)' for kind in ("IP", "PPP", "IPV6", "IPV4V6")
    ),
}


def quoted_list(items: tuple[str, ...]) -> str:
    """``("A","B")``."""
    return "(" + ",".join(f'"{item}"' for item in items) + ")"


def tests(
    charsets: tuple[str, ...],
    memories: tuple[str, ...],
    cnmi: str,
    **extra: Answer,
) -> dict[str, Answer]:
    """The 3GPP test answers with a modem's own charsets, memories and ``+CNMI`` ranges;
    ``extra`` adds or replaces (keys spelled without the ``+``, e.g. ``CFUN=...``)."""
    table: dict[str, Answer] = dict(BASE_TESTS)
    table["+CSCS"] = (f"+CSCS: {quoted_list(charsets)}",)
    table["+CPMS"] = ("+CPMS: " + ",".join([quoted_list(memories)] * 3),)
    table["+CNMI"] = (f"+CNMI: {cnmi}",)
    for key, answer in extra.items():
        table[key if key[0] in "+^" else f"+{key}"] = answer
    return table


def info_lines(ctx: Context) -> list[str]:
    """``ATI`` in the style of Qualcomm-based sticks (Huawei, ZTE, SIMCom LTE)."""
    profile = ctx.profile
    return [
        f"Manufacturer: {profile.manufacturer}",
        f"Model: {profile.model}",
        f"Revision: {profile.revision}",
        f"IMEI: {profile.imei}",
        ctx.persona.gcap,
    ]


def switch_noise(ctx: Context, groups: frozenset[str] | set[str], on: bool) -> None:
    """Turn groups of unsolicited lines on or off."""
    if on:
        ctx.state.noise |= set(groups)
    else:
        ctx.state.noise -= set(groups)


def rat_word(ctx: Context, words: Mapping[str, str], none: str) -> str:
    """The vendor's word for the serving radio (``none`` while not registered)."""
    return words[ctx.network.rat] if ctx.registered else none

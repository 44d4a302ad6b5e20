"""What makes a modem family: the data a personality module fills in."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..context import Context, Handler
from ..results import CME_TEXT, CMS_TEXT, ERROR, Reply
from ..usb import UsbLayout, layouts

Answer = tuple[str, ...] | Callable[[Context], Reply]
"""A test command's answer: fixed information lines, or computed (``AT+CMGD=?``)."""

USSD_STYLES = ("3gpp", "packed", "ucs2", "as-named")
"""How a modem shows a network's USSD text: ``3gpp`` converts it to the current
``+CSCS`` (TS 27.007 §7.15), ``packed`` gives GSM 7-bit packed hex whatever the charset
(Huawei stick firmware), ``ucs2`` always UCS2 hex with DCS 72, ``as-named`` each reply as its
``UssdReply.style`` says (the generic emulator)."""


@dataclass(frozen=True)
class Identity:
    """What the modem calls itself (``AT+CGMI``, ``AT+CGMM``, ``AT+CGMR``)."""

    manufacturer: str
    model: str
    revision: str


@dataclass(frozen=True)
class Noise:
    """One kind of unsolicited line: its text now, and the switch (group) that silences it."""

    group: str
    line: Callable[[Context, random.Random], str]


@dataclass(frozen=True)
class Personality:
    """One modem family as its vendor's AT manual describes it.

    ``tests`` answers the ``=?`` form of the commands that list ranges (a supported
    command missing there answers a bare ``OK``, as the spec says for commands without
    parameters); ``handlers`` adds vendor commands or replaces generic ones; ``lacks``
    names generic commands the modem does not have (they answer :attr:`unknown_reply`).
    """

    name: str
    summary: str
    manual: str
    identity: Identity
    info: Callable[[Context], list[str]]
    """``ATI``."""
    gcap: str
    rats: frozenset[str]
    charsets: tuple[str, ...]
    default_charset: str
    tests: Mapping[str, Answer]
    boot_lines: tuple[str, ...] = ()
    """Lines after power-on (a reboot, a replug) before the SIM is read."""
    announces_sim: bool = False
    """Power-on also prints ``+CPIN: <state>``."""
    ready_lines: tuple[str, ...] = ()
    """Lines once the SIM is usable (at power-on, or after the PIN is entered)."""
    noise: tuple[Noise, ...] = ()
    silencers: tuple[str, ...] = ()
    """The commands that switch the noise off (for documentation and tests)."""
    pin_retries: str | None = None
    """The command that shows the PIN/PUK tries left (for documentation and tests)."""
    status_commands: tuple[str, ...] = ()
    """The vendor's own network status commands (for documentation and tests)."""
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    lacks: frozenset[str] = frozenset()
    ussd_style: str = "3gpp"
    ussd_wants_packed: bool = False
    """The modem expects the USSD request packed (it also takes it as typed)."""
    cgsn_prefixed: bool = False
    cmms: bool = True
    replugs_on_reset: bool = True
    """``AT+CFUN=1,1`` drops it off USB (a UART module keeps its port)."""
    unknown_reply: str = ERROR
    cme_text: Mapping[int, str] = field(default_factory=lambda: CME_TEXT)
    cms_text: Mapping[int, str] = field(default_factory=lambda: CMS_TEXT)
    memories: Mapping[str, int] = field(default_factory=lambda: {"SM": 30, "ME": 100})
    default_cgsms: int = 1
    home_rat: str | None = None
    """The radio it camps on without a radio condition (``None``: its best)."""

    def __post_init__(self) -> None:
        """Reject inconsistent data early (a typo here would make a wrong modem)."""
        if self.default_charset not in self.charsets:
            raise ValueError(f"{self.name}: default charset {self.default_charset} not listed")
        if self.ussd_style not in USSD_STYLES:
            raise ValueError(f"{self.name}: unknown USSD style {self.ussd_style!r}")
        if not self.rats <= {"gsm", "umts", "lte"}:
            raise ValueError(f"{self.name}: unknown radio in {sorted(self.rats)}")

    def startup_lines(self, sim: str, ready: bool) -> list[str]:
        """What power-on prints, given the SIM's ``+CPIN`` state."""
        lines = list(self.boot_lines)
        if self.announces_sim:
            lines.append(f"+CPIN: {sim}")
        return lines + list(self.ready_lines if ready else ())

    @property
    def noise_groups(self) -> frozenset[str]:
        """Every noise switch, all on at power-up."""
        return frozenset(n.group for n in self.noise)

    def usb_layouts(self) -> tuple[UsbLayout, ...]:
        """How this family enumerates on USB (its modes and interfaces; see ``sim/usb.py``)."""
        return layouts(self.name)

    def lacking(self) -> frozenset[str]:
        """Commands it does not have: its own list, plus ``+CEREG`` and ``+CIREG`` (LTE
        registration, IMS registration) without LTE."""
        if "lte" in self.rats:
            return self.lacks
        return self.lacks | frozenset({"+CEREG", "+CIREG"})

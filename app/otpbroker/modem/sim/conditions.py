"""Network conditions: the radio, network and SIM situations an emulated modem can be in.

A condition is written ``NAME`` or ``NAME:PARAM`` (``pin:2``, ``lte-no-sms:5``) and several
are joined by commas. Together they shape a :class:`Network`, which every registration read
command, every send and every USSD request of the modem consults, so that ``+CREG?``,
``+CGREG?``, ``+CEREG?``, ``+CIREG?``, ``+COPS?``, the vendor's status commands and the
result of ``AT+CMGS`` tell one story. Conditions are not faults: they last until changed,
across power cycles.

Registration states follow 3GPP TS 27.007 §7.2 / §10.1.20 / §10.1.22 (``<stat>`` 1 home,
2 searching, 3 denied, 5 roaming) and §8.71 (``+CIREG``: IMS registration); SMS over IMS
is TS 24.341, SMS over SGs TS 23.272.

Status reports (when the send asked for one and ``AT+CNMI`` routes them as ``+CDS``) carry
a TP-ST of 3GPP TS 23.040 §9.2.3.15: 0x00 received by the handset; 0x20..0x3F a temporary
error, the centre still trying (0x21 SME busy); 0x40..0x6F permanent or given up (0x41
incompatible destination, 0x46 validity period expired). Each part gets one final report.

Error causes: 3GPP TS 24.011 annex E.2 (8 operator determined barring, 50 requested
facility not subscribed) and TS 27.005 §3.2.5 (330 SMSC address unknown, 331 no network
service, 332 network timeout, 500 unknown error).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .personalities.base import Personality

RATS = ("gsm", "umts", "lte")
RAT_NAMES = {"gsm": "GSM", "umts": "UMTS", "lte": "LTE"}


@dataclass(frozen=True)
class _Spec:
    """What one condition does, its exclusive group and its optional parameter."""

    summary: str
    group: str | None = None
    param: type | None = None
    default: float = 0
    low: float = 0
    high: float = 0
    param_name: str = ""


SPECS: dict[str, _Spec] = {
    "2g": _Spec("registered on GSM (2G); SMS over the circuit-switched domain", "radio"),
    "3g": _Spec("registered on UMTS (3G); SMS over the circuit-switched domain", "radio"),
    "lte-sgs": _Spec(
        "LTE with SMS over SGs (combined attach: +CREG and +CEREG registered)", "radio"
    ),
    "lte-no-sms": _Spec(
        "LTE only, no SMS path: +CREG not registered while +CEREG is; a send ends in "
        "+CMS ERROR: 500 after SECONDS (default 40); USSD fails",
        group="radio",
        param=float,
        default=40.0,
        high=600,
        param_name="SECONDS",
    ),
    "lte-ims": _Spec(
        "LTE only with SMS over IMS: +CREG not registered, +CEREG registered and +CIREG "
        "shows IMS registered; sends go through, USSD fails",
        "radio",
    ),
    "denied": _Spec(
        "the network denied registration (<stat> 3): no service, sends answer "
        "+CMS ERROR: 331, USSD +CME ERROR: 30",
        "radio",
    ),
    "searching": _Spec(
        "not registered, searching for a network (<stat> 2): no service, as with denied",
        "radio",
    ),
    "roaming": _Spec("registered on a visited network (<stat> 5)"),
    "weak-signal": _Spec(
        "+CSQ shows RSSI (default 5); one send in five times out with +CMS ERROR: 332",
        param=int,
        default=5,
        high=9,
        param_name="RSSI",
    ),
    "no-smsc": _Spec(
        "no SMSC on the SIM: +CSCA? is empty and a PDU without an SMSC gets +CMS ERROR: 330"
    ),
    "sim-barred": _Spec(
        "the operator barred the SIM: sends answer +CMS ERROR: CODE (default 8, operator "
        "determined barring)",
        group="account",
        param=int,
        default=8,
        low=1,
        high=511,
        param_name="CODE",
    ),
    "no-credit": _Spec(
        "prepaid credit used up: sends answer +CMS ERROR: CODE (default 50, requested "
        "facility not subscribed; some networks answer 21 or 500)",
        group="account",
        param=int,
        default=50,
        low=1,
        high=511,
        param_name="CODE",
    ),
    "network-flaky": _Spec(
        "a RATE of sends (default 0.3, seeded) fail with +CMS ERROR: 331 or 332",
        param=float,
        default=0.3,
        high=1,
        param_name="RATE",
    ),
    "pin": _Spec(
        "SIM PIN required with TRIES left (default 3)",
        group="sim",
        param=int,
        default=3,
        low=1,
        high=9,
        param_name="TRIES",
    ),
    "puk": _Spec(
        "SIM PUK required (PIN tries used up) with TRIES PUK tries left (default 10)",
        group="sim",
        param=int,
        default=10,
        low=1,
        high=10,
        param_name="TRIES",
    ),
    "no-sim": _Spec("no SIM inserted: SIM commands answer +CME ERROR: 10", "sim"),
    "report-failed": _Spec(
        "every part's status report says not delivered: TP-ST STATUS (default 65 = 0x41, "
        "incompatible destination; 64..111, e.g. 70 = 0x46 validity period expired)",
        group="report",
        param=int,
        default=0x41,
        low=0x40,
        high=0x6F,
        param_name="STATUS",
    ),
    "report-temporary": _Spec(
        "every part first gets a temporary status report TP-ST STATUS (default 33 = 0x21, "
        "SME busy; 32..63), then its delivered one",
        group="report",
        param=int,
        default=0x21,
        low=0x20,
        high=0x3F,
        param_name="STATUS",
    ),
}
CONDITION_NAMES = tuple(SPECS)
RADIO_RAT = {"2g": "gsm", "3g": "umts", "lte-sgs": "lte", "lte-no-sms": "lte", "lte-ims": "lte"}
"""The radio a radio condition needs (``denied``/``searching``: whatever the modem has)."""
PATH = {"lte-no-sms": "none", "lte-ims": "ims", "denied": "none", "searching": "none"}
UNREGISTERED = {"searching": 2, "denied": 3}
"""The registration ``<stat>`` of the conditions that leave the modem unregistered
(3GPP TS 27.007 §7.2: 2 searching, 3 registration denied)."""


@dataclass(frozen=True)
class Condition:
    """One condition with its parameter (``None`` for conditions that take none)."""

    name: str
    value: float | None = None

    def __str__(self) -> str:
        """The command-line spelling."""
        if self.value is None:
            return self.name
        return f"{self.name}:{self.value:g}"

    @property
    def spec(self) -> _Spec:
        """What the condition means."""
        return SPECS[self.name]

    @property
    def amount(self) -> float:
        """The parameter, or its default."""
        return self.spec.default if self.value is None else self.value


def parse_condition(text: str) -> Condition:
    """``NAME[:PARAM]`` -> :class:`Condition`; ``ValueError`` naming what is wrong."""
    name, colon, raw = text.strip().partition(":")
    if name not in SPECS:
        raise ValueError(f"unknown condition {name!r} (known: {', '.join(CONDITION_NAMES)})")
    spec = SPECS[name]
    if not colon:
        return Condition(name)
    if spec.param is None:
        raise ValueError(f"condition {name} takes no parameter (got {text.strip()!r})")
    what = f"condition {name}:{spec.param_name} wants"
    try:
        value = spec.param(raw.strip())
    except ValueError:
        kind = "a whole number" if spec.param is int else "a number"
        raise ValueError(f"{what} {kind} from {spec.low:g} to {spec.high:g}, not {raw!r}") from None
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{what} {spec.low:g} to {spec.high:g}, not {raw!r}")
    return Condition(name, value)


def parse_conditions(spec: str | Iterable[str]) -> tuple[Condition, ...]:
    """Comma-separated conditions (or an iterable of them), checked for clashes."""
    if isinstance(spec, str):
        if not spec.strip():
            return ()
        items = spec.split(",")
    else:
        items = [part for item in spec for part in item.split(",")]
    found: list[Condition] = []
    groups: dict[str, str] = {}
    for item in items:
        if not item.strip():
            raise ValueError(f"empty condition in {spec!r}")
        condition = parse_condition(item)
        if any(c.name == condition.name for c in found):
            raise ValueError(f"condition {condition.name} is given twice")
        group = condition.spec.group
        if group is not None and group in groups:
            raise ValueError(
                f"conditions {groups[group]} and {condition.name} cannot be combined "
                f"(both set the {group})"
            )
        if group is not None:
            groups[group] = condition.name
        found.append(condition)
    return tuple(found)


@dataclass(frozen=True)
class Network:
    """The network as one modem sees it, shaped by its conditions."""

    rat: str
    """The radio it camps on: ``gsm``, ``umts`` or ``lte``."""
    sms_path: str
    """How an SMS leaves: ``cs`` (2G/3G), ``sgs`` (LTE, SMS over SGs), ``ims`` (LTE, SMS
    over IMS) or ``none``."""
    radio: str | None = None
    """The radio condition in force, if any."""
    unregistered: int | None = None
    """The ``<stat>`` while the network keeps the modem out (2 searching, 3 denied);
    ``None`` when it registers."""
    roaming: bool = False
    rssi: int | None = None
    """``+CSQ`` RSSI forced by a condition (``None``: the profile's signal)."""
    send_error: int | None = None
    """A ``+CMS ERROR`` every send ends with (barred SIM, no credit)."""
    fail_rate: float = 0.0
    fail_codes: tuple[int, ...] = ()
    no_smsc: bool = False
    no_path_wait: float = 0.0
    """How long a send waits for a path that never comes (LTE without SMS)."""
    conditions: tuple[Condition, ...] = ()
    report_status: int = 0
    """The TP-ST of every part's final status report (0: delivered)."""
    report_temporary: int | None = None
    """A temporary TP-ST each part's report first says, if any."""

    @property
    def stat(self) -> int:
        """The registration ``<stat>`` when registered: 1 home, 5 roaming."""
        return 5 if self.roaming else 1

    @property
    def sim_condition(self) -> Condition | None:
        """The condition that says what SIM is inserted, if any."""
        return next((c for c in self.conditions if c.spec.group == "sim"), None)

    def names(self) -> list[str]:
        """The conditions as typed, for status answers."""
        return [str(c) for c in self.conditions]


def shape_network(persona: Personality, conditions: tuple[Condition, ...]) -> Network:
    """The :class:`Network` of ``persona`` under ``conditions``; ``ValueError`` when the
    modem cannot be in that situation (LTE on a 3G stick, UMTS on a 2G module)."""
    by_name = {c.name: c for c in conditions}
    radio = next((c.name for c in conditions if c.spec.group == "radio"), None)
    best = persona.home_rat or next(r for r in reversed(RATS) if r in persona.rats)
    rat = RADIO_RAT.get(radio or "", best)
    if rat not in persona.rats:
        has = ", ".join(RAT_NAMES[r] for r in RATS if r in persona.rats)
        raise ValueError(
            f"condition {radio} needs {RAT_NAMES[rat]}, but {persona.name} has only {has}"
        )
    path = PATH.get(radio or "", "sgs" if rat == "lte" else "cs")
    rates: list[float] = []
    codes: list[int] = []
    if "weak-signal" in by_name:
        rates.append(0.2)
        codes.append(332)
    if "network-flaky" in by_name:
        rates.append(by_name["network-flaky"].amount)
        codes += [331, 332]
    error = next(
        (int(by_name[n].amount) for n in ("sim-barred", "no-credit") if n in by_name), None
    )
    return Network(
        rat=rat,
        sms_path=path,
        radio=radio,
        unregistered=UNREGISTERED.get(radio or ""),
        roaming="roaming" in by_name,
        rssi=int(by_name["weak-signal"].amount) if "weak-signal" in by_name else None,
        send_error=error,
        fail_rate=max(rates, default=0.0),
        fail_codes=tuple(sorted(set(codes))),
        no_smsc="no-smsc" in by_name,
        no_path_wait=by_name["lte-no-sms"].amount if radio == "lte-no-sms" else 0.0,
        conditions=conditions,
        report_status=int(by_name["report-failed"].amount) if "report-failed" in by_name else 0,
        report_temporary=(
            int(by_name["report-temporary"].amount) if "report-temporary" in by_name else None
        ),
    )

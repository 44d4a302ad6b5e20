"""Can this modem send an SMS at all? A verdict from what it says about its registrations.

An SMS needs one of four paths (3GPP TS 23.040 §4, TS 23.272 for SGs, TS 24.341 for IMS):

- ``cs``: circuit-switched on 2G/3G (the classic path; ``+CREG`` registered);
- ``sgs``: on LTE, relayed to the circuit-switched core over SGs ("combined attach"; the
  modem then shows ``+CREG`` registered with access technology E-UTRAN, or "SMS only");
- ``ims``: on LTE, over IMS (the modem's IMS stack registered);
- ``ps``: over the 2G/3G packet domain (GPRS), when ``+CGSMS`` allows it.

A modem registered on LTE only (``+CEREG`` registered, ``+CREG`` not) with neither SGs nor
IMS cannot send: ``AT+CMGS`` then fails with ``+CMS ERROR: 500`` or hangs for minutes. The
stat values are those of 3GPP TS 27.007 §7.2 (``+CREG``), §10.1.20 (``+CGREG``) and
§10.1.22 (``+CEREG``): 1/5 registered (home/roaming), 6/7 "SMS only", 9/10 "CSFB not
preferred", 2 searching, 3 denied, 0/4 not registered. A reading the modem refused is
``None``, never an error: verdicts are drawn from what is known.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from otpbroker.i18n.translate import N_

REGISTERED = frozenset({1, 5, 6, 7, 9, 10})
ROAMING = frozenset({5, 7, 10})
SEARCHING = 2
DENIED = 3
LTE_ACCESS = frozenset({7, 9, 10, 13})  # E-UTRAN, NB-S1, E-UTRA to 5GCN, EN-DC
WEAK_RSSI = 8  # +CSQ below 8 (about -97 dBm): SMS may fail or be slow


class SmsPath(enum.Enum):
    """The way an SMS leaves this modem (``none``: it cannot; ``unknown``: no verdict)."""

    CS = "cs"
    SGS = "sgs"
    IMS = "ims"
    PS = "ps"
    NONE = "none"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SmsPathReadings:
    """What the modem reported; ``None`` where it did not say (command refused or absent).

    ``cs``/``ps``/``eps``: the <stat> of ``+CREG``/``+CGREG``/``+CEREG``; ``cs_act``: the
    access technology of ``+CREG`` when given; ``cgsms``: ``+CGSMS`` service (0 packet,
    1 circuit, 2 packet preferred, 3 circuit preferred); ``ims``: the IMS stack registered;
    ``ims_enabled``: the vendor's IMS switch (False: switched off); ``rat``: the radio
    technology the vendor reports (``GSM``, ``WCDMA``, ``LTE``, ``NONE``...); ``cs_service``:
    the vendor's service domain includes circuit-switched; ``rssi``: ``+CSQ`` 0..31.
    """

    cs: int | None = None
    cs_act: int | None = None
    ps: int | None = None
    eps: int | None = None
    cgsms: int | None = None
    ims: bool | None = None
    ims_enabled: bool | None = None
    rat: str | None = None
    cs_service: bool | None = None
    rssi: int | None = None

    @property
    def empty(self) -> bool:
        """True when the modem reported no registration at all."""
        return all(
            value is None for value in (self.cs, self.ps, self.eps, self.cs_service, self.rat)
        )


@dataclass(frozen=True)
class SmsPathVerdict:
    """The diagnosis: the path, a stable reason code, and the reason in plain words."""

    path: SmsPath
    code: str
    reason: str
    roaming: bool = False
    weak_signal: bool = False

    @property
    def available(self) -> bool | None:
        """True: it can send; False: it cannot; None: unknown (treated as "maybe")."""
        if self.path is SmsPath.NONE:
            return False
        if self.path is SmsPath.UNKNOWN:
            return None
        return True


#: Every reason a verdict can give: its code (a fixed set, e.g. for metric labels) and text.
REASONS: dict[str, str] = {
    "cs": N_("registered on 2G/3G: circuit-switched SMS"),
    "sgs": N_("registered on LTE: SMS over SGs"),
    "ims": N_("registered on LTE: SMS over IMS"),
    "ps": N_("registered for packet data only: SMS over GPRS"),
    "ps_unknown": N_(
        "registered for packet data only; the modem does not say whether SMS may go over GPRS"
    ),
    "lte_only": N_(
        "registered on LTE only, and this network/firmware offers no SMS over LTE "
        "(no SMS over SGs, no IMS)"
    ),
    "lte_ims_off": N_(
        "registered on LTE only; the network offers no SMS over SGs and IMS is "
        "switched off in the modem"
    ),
    "lte_unknown": N_("registered on LTE; the modem does not report its SMS domain"),
    "denied": N_("not registered: the network denied registration to this SIM"),
    "searching": N_("not registered: searching for a network"),
    "no_network": N_("not registered: no network"),
    "unknown": N_("the modem does not report its registration"),
}
REASON_CODES = tuple(REASONS)
#: What a verdict adds to its reason when the modem roams, and when the signal is weak.
ROAMING_NOTE = N_("roaming (SMS may cost more, and the operator may refuse it)")
WEAK_NOTE = N_("the signal is weak")
PATH_OF: dict[str, SmsPath] = {
    "cs": SmsPath.CS, "sgs": SmsPath.SGS, "ims": SmsPath.IMS, "ps": SmsPath.PS,
    "ps_unknown": SmsPath.UNKNOWN, "lte_unknown": SmsPath.UNKNOWN, "unknown": SmsPath.UNKNOWN,
}  # fmt: skip


def _registered(stat: int | None) -> bool:
    return stat in REGISTERED


def _on_lte(r: SmsPathReadings) -> bool:
    if r.rat is not None:
        return r.rat.upper() in ("LTE", "NR", "5G")
    if r.cs_act is not None:
        return r.cs_act in LTE_ACCESS
    return _registered(r.eps)


def _registered_path(r: SmsPathReadings) -> str | None:
    """The reason code of a usable (or possibly usable) path, None when there is none."""
    cs = _registered(r.cs) if r.cs is not None else r.cs_service
    if cs:
        return "sgs" if _on_lte(r) else "cs"
    if r.ims and (_registered(r.eps) or _on_lte(r)):
        return "ims"
    if _registered(r.ps) and not _on_lte(r):
        if r.cgsms in (0, 2, 3):
            return "ps"
        if r.cgsms is None:
            return "ps_unknown"
    return None


def _lte_only(r: SmsPathReadings) -> str | None:
    if not (_registered(r.eps) or (r.rat or "").upper() == "LTE"):
        return None
    if r.cs is None and r.cs_service is None:
        return "lte_unknown"
    return "lte_ims_off" if r.ims_enabled is False else "lte_only"


def _unregistered(r: SmsPathReadings) -> str:
    stats = (r.cs, r.ps, r.eps)
    if DENIED in stats:
        return "denied"
    return "searching" if SEARCHING in stats else "no_network"


def _verdict(code: str, r: SmsPathReadings) -> SmsPathVerdict:
    path = PATH_OF.get(code, SmsPath.NONE)
    roaming = any(stat in ROAMING for stat in (r.cs, r.ps, r.eps) if _registered(stat))
    weak = r.rssi is not None and 0 <= r.rssi < WEAK_RSSI
    reason = REASONS[code]
    if roaming and path is not SmsPath.NONE:
        reason += "; " + ROAMING_NOTE
    if weak:
        reason += "; " + WEAK_NOTE
    return SmsPathVerdict(path, code, reason, roaming, weak)


def diagnose(readings: SmsPathReadings) -> SmsPathVerdict:
    """The SMS path of a modem from its readings, with a reason in plain words."""
    if readings.empty:
        return _verdict("unknown", readings)
    code = _registered_path(readings) or _lte_only(readings) or _unregistered(readings)
    return _verdict(code, readings)


__all__ = [
    "REASONS",
    "REASON_CODES",
    "SmsPath",
    "SmsPathReadings",
    "SmsPathVerdict",
    "diagnose",
]

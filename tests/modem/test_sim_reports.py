"""The emulator's status reports: one final ``+CDS`` per part, delivered by default; the
``report-failed`` and ``report-temporary`` conditions give the TP-ST values of 3GPP TS
23.040 §9.2.3.15; no report unless the PDU asks and ``AT+CNMI`` routes them."""

from __future__ import annotations

import pytest
from sim_talk import ask, dialogue

from otpbroker.modem import pdu
from otpbroker.modem.sim import Dialogue, parse_conditions
from otpbroker.modem.sim.steps import Later

NUMBER = "+6281234567890"
LONG = "Kode 482913 " + "x" * 300  # three parts


def send(modem: Dialogue, text: str, *, report: bool = True) -> tuple[list[int], list[Later]]:
    """Send ``text``: the TP-MRs answered and the unsolicited reports scheduled."""
    refs: list[int] = []
    later: list[Later] = []
    for part in pdu.encode_submit(NUMBER, text, status_report=report, reference=7):
        assert ask(modem, f"AT+CMGS={part.tpdu_length}")[-1].startswith(">")
        steps = modem.feed(part.hex.encode() + b"\x1a")
        lines = b"".join(getattr(s, "data", b"") for s in steps if not isinstance(s, Later))
        refs.append(int(lines.decode().split("+CMGS: ")[1].split("\r")[0]))
        later += [s for s in steps if isinstance(s, Later)]
    return refs, later


def reports(later: list[Later]) -> list[tuple[float, pdu.StatusReport]]:
    """The ``+CDS`` reports among ``later``, decoded, with their delays."""
    found = []
    for step in later:
        lines = [x for x in step.data.decode().split("\r\n") if x]
        if lines and lines[0].startswith("+CDS:"):
            found.append((step.seconds, pdu.decode_status_report(lines[1])))
    return found


def reporting(conditions: str = "") -> Dialogue:
    modem = dialogue("simcom-sim800", report_delay=0.05)
    ask(modem, "AT+CMGF=0;+CNMI=2,1,0,1,0")
    if conditions:
        modem.set_conditions(conditions)
    return modem


def test_one_delivered_report_per_part() -> None:
    refs, later = send(reporting(), LONG)
    got = reports(later)
    assert len(refs) == 3
    assert [r.message_ref for _s, r in got] == refs
    assert all(r.status == 0 and r.delivered and r.final for _s, r in got)
    assert {r.recipient for _s, r in got} == {NUMBER}


@pytest.mark.parametrize(("conditions", "status"), [("report-failed", 0x41),
                                                    ("report-failed:70", 0x46)])  # fmt: skip
def test_failed_reports(conditions: str, status: int) -> None:
    refs, later = send(reporting(conditions), LONG)
    got = reports(later)
    assert [r.message_ref for _s, r in got] == refs
    assert {(r.status, r.delivered, r.final) for _s, r in got} == {(status, False, True)}


def test_temporary_then_delivered() -> None:
    refs, later = send(reporting("report-temporary"), "Kode 1234")
    got = reports(later)
    assert [(r.message_ref, r.status, r.final) for _s, r in got] == [
        (refs[0], 0x21, False),
        (refs[0], 0x00, True),
    ]
    assert got[0][0] < got[1][0]  # the final one is scheduled after the temporary one


def test_no_report_unless_asked_and_routed() -> None:
    assert reports(send(reporting(), "Kode 1234", report=False)[1]) == []
    modem = dialogue("simcom-sim800")
    ask(modem, "AT+CMGF=0;+CNMI=2,1,0,0,0")
    assert reports(send(modem, "Kode 1234")[1]) == []


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("report-failed:33", "condition report-failed:STATUS wants 64 to 111, not '33'"),
        ("report-temporary:0", "condition report-temporary:STATUS wants 32 to 63, not '0'"),
        ("report-failed,report-temporary", "cannot be combined (both set the report)"),
    ],
)
def test_bad_report_conditions_are_refused(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        parse_conditions(spec)

"""A field report replayed: recorded answers only, ``ERROR`` for anything else, and bad
reports (malformed, newer, too large) refused with a precise message before anything runs.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
from pathlib import Path

import pytest

from otpbroker.domain.field_report import FORMAT_VERSION, MAX_BYTES, ReportError, loads
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.report_script import SCRIPT, Recorder
from otpbroker.modem.sim.replay import ReplayModem, load_report
from otpbroker.modem.sim.replay_answers import ReplayAnswers
from otpbroker.modem.transport import SerialSettings, SerialTransport

REPORTS = sorted((Path(__file__).parent / "reports").glob("*.json"))
ROOT = Path(__file__).resolve().parents[2]


def document(*steps: dict) -> dict:
    return {"format_version": FORMAT_VERSION, "modem": {"model": "X1"}, "options": {},
            "steps": list(steps)}  # fmt: skip


def at(command: str, *lines: str, final: str | None = "OK", **more) -> dict:
    return {"command": command, "lines": list(lines), "final": final, "ms": 0, **more}


def answers(*steps: dict) -> ReplayAnswers:
    return ReplayAnswers(loads(json.dumps(document(*steps)).encode()), scale=0)


def written(replay: ReplayAnswers, data: bytes) -> bytes:
    out, _ = replay.feed(data)
    return b"".join(item.data for item in out)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not a JSON report"),
        (b"{nope", "not a JSON report"),
        (b"[1, 2]", "the top level is not an object"),
        (b"{}", "format_version missing or not a positive integer"),
        (b'{"format_version": "1"}', "format_version missing or not a positive integer"),
        (json.dumps({**document(), "format_version": FORMAT_VERSION + 1}).encode(),
         f"format_version {FORMAT_VERSION + 1} is newer than this program reads"),
        (json.dumps({**document(), "steps": "AT"}).encode(), "'steps' missing or not a list"),
        (json.dumps({**document(), "modem": []}).encode(), "'modem' missing or not an object"),
        (json.dumps(document(at("rm -rf /"))).encode(), "steps[0].command does not start with AT"),
        (json.dumps(document(at("AT", "a\r\nOK"))).encode(), "steps[0].lines[0] is too long or"),
        (json.dumps(document(at("AT", final=3))).encode(), "steps[0].final is not text"),
        (json.dumps(document({**at("AT"), "ms": -1})).encode(), "steps[0].ms is not a time"),
        (json.dumps(document(*[at("AT")] * 401)).encode(), "report too large: 401 steps"),
        (b" " * (MAX_BYTES + 1), f"report too large: {MAX_BYTES + 1} bytes"),
    ],
)  # fmt: skip
def test_bad_reports_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(ReportError) as caught:
        loads(data)
    assert message in str(caught.value)


def test_the_command_refuses_a_bad_report_and_starts_nothing(tmp_path: Path) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**document(), "format_version": 99}))
    links = tmp_path / "by-id"
    for path, message in ((newer, "format_version 99 is newer"),
                          (tmp_path / "missing.json", "cannot read the report")):  # fmt: skip
        result = subprocess.run(
            [str(ROOT / ".venv/bin/otp-broker"), "modem-sim", f"--link-dir={links}",
             f"--replay={path}"], capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 2, result
        assert message in result.stderr and result.stdout == ""
    assert not links.exists()


def test_recorded_commands_answer_as_recorded_in_turn() -> None:
    replay = answers(at("ATE0"), at("AT+CPIN?", "+CPIN: SIM PIN"), at("AT+CPIN?", "+CPIN: READY"),
                     at('AT+CSCS="GSM"'), at("AT+CMMS=2", final="+CMS ERROR: 500"))  # fmt: skip
    assert written(replay, b"ATE0\r") == b"ATE0\r\r\nOK\r\n"  # echo until switched off
    assert written(replay, b"at+cpin?\r") == b"\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    assert written(replay, b"AT+CPIN?\r") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"
    assert written(replay, b"AT+CPIN?\r") == b"\r\n+CPIN: READY\r\n\r\nOK\r\n"  # the last again
    assert written(replay, b'AT+CSCS="GSM"\r') == b"\r\nOK\r\n"
    assert written(replay, b"AT+CMMS=2\r") == b"\r\n+CMS ERROR: 500\r\n"


def test_anything_else_answers_error_and_is_logged(caplog) -> None:
    replay = answers(at("ATE0"), at('AT+CSCS="GSM"'))
    written(replay, b"ATE0\r")
    with caplog.at_level(logging.WARNING):
        assert written(replay, b'AT+CSCS="gsm"\r') == b"\r\nERROR\r\n"  # quoted text is exact
        assert written(replay, b"AT+CFUN=1,1\r") == b"\r\nERROR\r\n"
        assert written(replay, b"AT+CMGS=20\r") == b"\r\nERROR\r\n"  # no SMS in this report
    assert caplog.text.count("is not in the report") == 3


def test_a_send_is_checked_decoded_and_answered_with_a_running_reference() -> None:
    replay = answers(at("ATE0"), at("AT+CMGS=38", "+CMGS: 9", prompt_ms=50))
    written(replay, b"ATE0\r")
    taken_all = []
    for text in ("Kode 1", "Kode 2"):
        [pdu] = encode_sms("+628126666666", text).pdus()
        assert written(replay, f"AT+CMGS={pdu.tpdu_length}\r".encode()) == b"\r\n> "
        out, taken = replay.feed(pdu.hex.encode() + b"\x1a")
        taken_all += taken
        reference = len(taken_all) - 1
        assert b"".join(o.data for o in out) == f"\r\n+CMGS: {reference}\r\n\r\nOK\r\n".encode()
    assert [(t.part.destination, t.part.text) for t in taken_all] == [
        ("+628126666666", "Kode 1"), ("+628126666666", "Kode 2")]  # fmt: skip
    written(replay, b"AT+CMGS=12\r")
    out, taken = replay.feed(b"0011000C91\x1a")  # not the announced length
    assert b"".join(o.data for o in out) == b"\r\n+CMS ERROR: 304\r\n" and taken == []


def test_a_recorded_refusal_of_the_send_is_replayed_and_nothing_delivered() -> None:
    replay = answers(at("ATE0"), at("AT+CMGS=38", final="+CMS ERROR: 500", prompt_ms=5))
    written(replay, b"ATE0\r")
    [pdu] = encode_sms("+628126666666", "Kode").pdus()
    written(replay, f"AT+CMGS={pdu.tpdu_length}\r".encode())
    out, taken = replay.feed(pdu.hex.encode() + b"\x1a")
    assert b"".join(o.data for o in out) == b"\r\n+CMS ERROR: 500\r\n" and taken == []


def test_the_ussd_reply_follows_its_final_result_code() -> None:
    cusd = '+CUSD: 0,"Sisa pulsa",15'
    replay = answers(at("ATE0"), at('AT+CUSD=1,"*888#",15', unsolicited=[{"line": cusd,
                                                                          "ms": 600}]))  # fmt: skip
    written(replay, b"ATE0\r")
    out, _ = replay.feed(b'AT+CUSD=1,"*888#",15\r')
    assert [(o.data, o.later) for o in out] == [(b"\r\nOK\r\n", False),
                                                (f"\r\n{cusd}\r\n".encode(), True)]  # fmt: skip


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_each_kept_report_is_current_and_replays_on_a_pty(path: Path) -> None:
    report = load_report(path)
    commands = [step.command for step in report.steps]
    assert commands[: len(SCRIPT)] == list(SCRIPT)  # scripts/make_field_reports.py remakes them
    assert commands[len(SCRIPT) :][:2] == ['AT+CUSD=1,"*888#",15', "AT+CUSD=2"]
    assert all(c.startswith("AT+CMGS=") for c in commands[len(SCRIPT) + 2 :])
    with ReplayModem(report, scale=0) as modem:
        assert modem.path is not None and Path(modem.path).exists()


def test_the_command_replays_a_report_until_stopped(tmp_path: Path) -> None:
    path = REPORTS[0]
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/otp-broker"), "modem-sim", f"--replay={path}",
         "--replay-timing=0", f"--link-dir={tmp_path}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        pty, imei, word, model = process.stdout.readline().split()
        report = load_report(path)
        assert (imei, word, model) == (ReplayModem(report).imei, "replay", report.modem["model"])
        assert (tmp_path / f"replay-{path.stem}").resolve() == Path(pty)
        transport = SerialTransport(SerialSettings(port=pty))
        transport.open()
        try:
            answer = Recorder(transport).run("AT+CGMM")
        finally:
            transport.close()
        assert (answer.lines, answer.final) == ([report.modem["model"]], "OK")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not (tmp_path / f"replay-{path.stem}").exists()

"""GET /api/status/<id> end to end: a real broker on loopback, emulated modems that send
status reports (delivered, failed, temporary then delivered), single and multipart; only
the API user's own messages; the status journal never holds the text or the number."""

from __future__ import annotations

from typing import Any

import pytest
from broker_harness import BrokerHarness
from waiting import wait_until

from otpbroker.bootstrap import Broker
from otpbroker.services.message_status_reply import status_data

OTHER = ("other", "other-pass-12")
NUMBER = "081234567890"
WHOLE = "6281234567890"
TEXT = "Your code is 739164"
LONG = "Kode 482913 " + "lorem ipsum dolor sit amet " * 12  # three GSM 7-bit parts


@pytest.fixture
def reporting(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.add_user(*OTHER)
    h.broker.store.update_settings({"sms.status_reports": True})
    sim, _ = h.add_modem()
    h.start()
    yield h, sim
    h.stop()


def status(h: BrokerHarness, message_id: str, auth=("app", "s3cret-pass")) -> tuple[int, Any]:
    code, body, _ = h.request(f"/api/status/{message_id}", method="GET", auth=auth)
    return code, body


def wait_state(h: BrokerHarness, message_id: str, state: str) -> dict[str, Any]:
    seen: list[Any] = []

    def reached() -> bool:
        seen.append(status(h, message_id)[1])
        return seen[-1].get("data", {}).get("state") == state

    assert wait_until(reached, timeout=15, step=0.1), seen[-1]
    return seen[-1]["data"]


def history(data: dict[str, Any]) -> list[str]:
    return [step["state"] for step in data["history"]]


def test_single_part_is_delivered(reporting) -> None:
    h, _sim = reporting
    code, body, _ = h.send_sms(NUMBER, TEXT, "otp-1")
    assert (code, body["response_code"]) == (200, "0000"), body
    assert "status_id" not in body["data"]  # the client's id is the one to ask with
    data = wait_state(h, "otp-1", "delivered")
    assert history(data) == ["accepted", "sent", "delivered"]
    assert data["id"] == "otp-1" and data["parts"] == 1 and data["error_code"] is None
    assert data["recipient"] == "6281*******90"
    assert data["modem"] == h.modem_ids[0]
    times = [step["at"] for step in data["history"]]
    assert times == sorted(times)


def test_multipart_without_an_id_is_followed_by_its_status_id(reporting) -> None:
    h, sim = reporting
    code, body, _ = h.send_sms(NUMBER, LONG)
    assert (code, body["response_code"]) == (200, "0000"), body
    assert body["data"]["parts"] == 3
    status_id = body["data"]["status_id"]
    assert status_id.startswith("d-")
    data = wait_state(h, status_id, "delivered")
    assert data["parts"] == 3 and history(data) == ["accepted", "sent", "delivered"]
    assert len(sim.log.parts) == 3


def test_failed_report_makes_it_not_delivered(reporting) -> None:
    h, sim = reporting
    sim.set_conditions("report-failed:70")  # TP-ST 0x46: validity period expired
    code, body, _ = h.send_sms(NUMBER, LONG, "long-fail")
    assert code == 200, body
    data = wait_state(h, "long-fail", "not-delivered")
    assert data["error_code"] == "TP-ST:0x46"
    assert history(data) == ["accepted", "sent", "not-delivered"]


def test_temporary_then_delivered(reporting) -> None:
    h, sim = reporting
    sim.set_conditions("report-temporary")
    code, body, _ = h.send_sms(NUMBER, TEXT, "slow-1")
    assert code == 200, body
    data = wait_state(h, "slow-1", "delivered")
    assert history(data) == ["accepted", "sent", "delivered"]
    assert h.broker.two_way.status is not None
    assert h.broker.two_way.status.temporary >= 1


def test_someone_elses_id_and_an_unknown_id_are_both_1218(reporting) -> None:
    h, _sim = reporting
    code, body, _ = h.send_sms(NUMBER, TEXT, "private-1")
    assert code == 200, body
    wait_state(h, "private-1", "delivered")
    theirs = status(h, "private-1", auth=OTHER)
    unknown = status(h, "never-sent")
    assert theirs[0] == unknown[0] == 404
    assert theirs[1]["response_code"] == unknown[1]["response_code"] == "1218"
    assert theirs[1]["response_text"] == unknown[1]["response_text"]
    assert "data" not in theirs[1]
    assert status(h, "private-1", auth=None)[0] == 401
    assert status(h, "private-1", auth=("app", "wrong-password"))[0] == 401
    code, body, _ = h.request("/api/status/private-1", {"x": 1}, method="POST")
    assert code == 405 and body["response_code"] == "1212"


def test_status_journal_holds_no_text_and_no_number(reporting) -> None:
    h, _sim = reporting
    h.send_sms(NUMBER, TEXT, "journal-1")
    h.send_sms(NUMBER, LONG, "journal-2")
    wait_state(h, "journal-2", "delivered")
    wait_state(h, "journal-1", "delivered")
    data = (h.data_dir / "status-journal.log").read_bytes()
    assert b"journal-1" in data and b"journal-2" in data
    for secret in (TEXT, "739164", "482913", WHOLE, NUMBER, NUMBER[1:]):
        assert secret.encode() not in data, secret


def test_statuses_survive_a_restart(tmp_path) -> None:
    h = BrokerHarness(tmp_path / "data")
    h.add_user()
    h.broker.store.update_settings({"sms.status_reports": True})
    h.add_modem()
    h.start()
    try:
        h.send_sms(NUMBER, TEXT, "kept-1")
        before = wait_state(h, "kept-1", "delivered")
    finally:
        h.stop()
    again = Broker(h.data_dir)  # the same data directory, a new process's broker
    try:
        assert again.two_way.status is not None
        record = again.two_way.status.lookup("app", "kept-1")
        assert record is not None
        assert status_data(record) == before
        assert again.two_way.status.lookup("other", "kept-1") is None
    finally:
        again.stop()

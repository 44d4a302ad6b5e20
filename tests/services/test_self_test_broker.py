"""The self-test on a running broker with a bank of emulated modems, through the admin:
"Test this modem" sends to the modem's own number, the emulator's network brings it back,
the page reports the round trip; no number known -> a precise message; a number nobody has
-> "not back after N s". The token text never reaches the disk."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from otpbroker.modem.sim import ModemBank
from otpbroker.modem.sim.identity import generate_profiles

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import NO_PACING, BrokerHarness


@dataclasses.dataclass
class Rig:
    harness: BrokerHarness
    bank: ModemBank
    admin: AdminClient
    ids: list[str]


def wait_for(check: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    profiles = generate_profiles(2, seed=11)
    profiles[1] = dataclasses.replace(profiles[1], msisdn="")  # a SIM with no number known
    bank = ModemBank(profiles=profiles, link_dir=tmp_path / "by-id", route_delay=0.2).start()
    harness = BrokerHarness(tmp_path / "data")
    ids = []
    for index, (sim, number) in enumerate(zip(bank, (profiles[0].msisdn, ""), strict=True)):
        record = harness.broker.store.add("modems", {
            "name": f"bank {index}", "port": sim.port, "msisdn": number, **NO_PACING})  # fmt: skip
        ids.append(record["id"])
    try:
        harness.start()
        admin = AdminClient(harness.base)
        admin.setup(harness.broker.setup_code.read())
        yield Rig(harness, bank, admin, ids)
    finally:
        harness.stop()
        bank.stop()


def self_test_state(rig: Rig, modem_id: str) -> dict[str, Any] | None:
    status, text, _ = rig.admin.get(f"/admin-api/modems/{modem_id}/self-test")
    assert status == 200, text
    result: dict[str, Any] | None = json.loads(text)["self_test"]
    return result


def test_test_this_modem_reports_the_round_trip(rig: Rig) -> None:
    status, page, _ = rig.admin.get("/modems")
    assert status == 200 and "Test this modem" in page
    status, _page, headers = rig.admin.post(f"/modems/{rig.ids[0]}/self-test")
    assert status == 303 and headers["Location"].endswith("/modems")
    status, page, _ = rig.admin.get("/modems")
    assert "self-test sent to" in page and "/static/modem_checks.js" in page
    assert wait_for(lambda: (self_test_state(rig, rig.ids[0]) or {}).get("state") == "back")
    state = self_test_state(rig, rig.ids[0])
    assert state is not None and state["round_trip"] >= 0 and state["sent_at"]
    assert state["arrived_at"] and state["summary"].startswith("back after")
    _status, page, _ = rig.admin.get("/modems")
    assert "self-test: back" in page and "back after" in page
    assert rig.bank[0].profile.msisdn not in page  # masked
    # It went out on that modem to its own number, and came back on it
    (delivery,) = rig.bank.deliveries
    assert delivery.modem == rig.bank[0].imei and delivery.text.startswith("OTP Broker self-test")
    inbound = rig.harness.broker.two_way.inbound.people_messages()[rig.ids[0]]
    assert inbound[0].text == delivery.text
    token = delivery.text.split()[-1].encode()
    written = b"".join(p.read_bytes() for p in rig.harness.data_dir.rglob("*") if p.is_file())
    assert token not in written


def test_no_known_number_gets_a_precise_message_and_nothing_is_sent(rig: Rig) -> None:
    rig.admin.get("/modems")
    status, _page, _ = rig.admin.post(f"/modems/{rig.ids[1]}/self-test")
    assert status == 303
    _status, page, _ = rig.admin.get("/modems")
    assert "its own number (MSISDN) is not known" in page
    assert self_test_state(rig, rig.ids[1]) is None
    assert rig.bank.deliveries == []


def test_a_number_nobody_has_is_reported_not_back(rig: Rig) -> None:
    tests = rig.harness.broker.self_tests
    tests.start(rig.ids[0], "+628120000000", wait_seconds=3)
    assert wait_for(lambda: (self_test_state(rig, rig.ids[0]) or {}).get("state") == "not-back")
    state = self_test_state(rig, rig.ids[0])
    assert state is not None and state["summary"].startswith("not back after 3 s")
    assert state["sent_at"] and not state["arrived_at"]
    assert len(rig.bank.deliveries) == 1


def test_an_unknown_modem_is_404(rig: Rig) -> None:
    rig.admin.get("/modems")
    assert rig.admin.post("/modems/nope/self-test")[0] == 404
    assert rig.admin.get("/admin-api/modems/nope/self-test")[0] == 404


def test_the_page_follows_a_waiting_test_until_it_is_back_in_chromium(rig: Rig) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
    from browser_tools import chromium, shoot

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(rig.harness.base + "/login")
        page.fill("input[name=username]", "owner")
        page.fill("input[name=password]", "owner-password-1")
        page.click("button[type=submit]")
        page.wait_for_url(rig.harness.base + "/")
        page.goto(rig.harness.base + "/modems")
        rig.bank.route_delay = 5.0  # the network is slow: the page shows it waiting first
        page.locator("form[action$='/self-test'] button").first.click()
        page.wait_for_url(rig.harness.base + "/modems")
        badge = page.locator(f"[data-self-test='{rig.ids[0]}']")
        assert badge.get_attribute("data-state") == "waiting"
        # The script reloads the page when the test ended: no reload from here
        badge.and_(page.locator("[data-state='back']")).wait_for(timeout=60_000)
        assert "back after" in page.content()
        shoot(page, "40-modems-self-test", scroll_to="table")
        context.close()
    assert errors == []


def test_a_due_keepalive_goes_out_on_its_modem_and_shows_on_the_page(rig: Rig) -> None:
    from otpbroker.services.keepalive import DAY

    broker = rig.harness.broker
    broker.store.update("modems", rig.ids[0], {"keepalive_number": "own", "keepalive_days": 1})
    keepalive = broker.keepalive
    assert keepalive.tick() == []  # not idle a day yet
    later = time.time() + DAY + 60
    keepalive._clock = lambda: later  # type: ignore[method-assign]  # a day on
    assert keepalive.tick() == [rig.ids[0]]
    (delivery,) = rig.bank.deliveries
    assert delivery.modem == rig.bank[0].imei and delivery.text == "OTP Broker keep-alive"
    assert delivery.to.lstrip("+") == rig.bank[0].profile.msisdn.lstrip("+")
    rows = [e for e in broker.events.recent() if e.source == "keepalive"]
    assert [e.outcome for e in rows] == ["sent"]
    _status, page, _ = rig.admin.get("/modems")
    assert "keep-alive " in page and ": sent</small>" in page
    assert rig.bank[0].profile.msisdn.lstrip("+") not in page  # masked

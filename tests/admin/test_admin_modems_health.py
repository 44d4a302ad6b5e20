"""The admin's view of modem trouble: SMS path, routing reason, SIM advice, the "put back
into routing" button, alerts on the home page and the monitor, and ``/metrics``.

A real broker with emulated modems: ``lte`` has no SMS path (LTE without SMS), ``spot`` is
where a barred SIM is tried, ``spare`` is the default modem that takes what the others fail.
"""

from __future__ import annotations

import html
import http.client
import re
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness
from waiting import wait_until

from otpbroker.modem.sim import ModemProfile, SimModem

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path_factory.mktemp("health") / "data")
    h.add_modem(name="lte", prefixes=["62811"],
                profile={**GENERIC, "conditions": ("lte-no-sms:0",)})  # fmt: skip
    h.add_modem(name="spot", prefixes=["62812"], profile=GENERIC)
    h.add_modem(name="spare", default_modem=True, profile=GENERIC)
    h.add_user()
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def owner(harness) -> AdminClient:
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    [admin] = harness.broker.store.list("admins")
    harness.broker.store.update("admins", admin["id"], {"email": "owner@example.org"})
    return client


def row_of(page: str, name: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if f"<strong>{name}</strong>" in row:
            return html.unescape(row)
    raise AssertionError(f"no row for {name}")


def route_of(harness, name: str):
    modem_id = harness.modem_ids[["lte", "spot", "spare"].index(name)]
    routes = harness.broker.sms.routes()
    return next(r for r in routes if r.id == modem_id)


def test_the_modems_page_shows_the_sms_path_and_why_a_modem_is_out(harness, owner):
    assert wait_until(lambda: route_of(harness, "lte").reason == "no_sms_path", 15)
    page = owner.get("/modems")[1]
    lte = row_of(page, "lte")
    assert ">none<" in lte and "LTE only" in lte and "out: no_sms_path" in lte
    assert "Put back into routing" not in lte  # nothing the administrator can put back
    spare = row_of(page, "spare")
    assert ">cs<" in spare and "circuit-switched" in spare and "in routing" in spare


def test_a_barred_sim_is_held_shown_alerted_and_put_back(harness, owner):
    spot = harness.sims[1]
    spot.set_conditions(["sim-barred"])
    try:
        status, body, _ = harness.send_sms("628121234567", "Kode OTP 111222")
        assert status == 200 and body["data"]["modem"] == harness.modem_ids[2]  # failed over
        page = owner.get("/modems")[1]
        row = row_of(page, "spot")
        assert "out: sim_account" in row and "barred" in row and "CMS8" in row
        assert "Put back into routing" in row
        home = html.unescape(owner.get("/")[1])
        assert "Modem spot: out of routing" in home and "What to do:" in home

        def mail_noted() -> bool:
            home = owner.get("/")[1]
            return "mail" in home and "no mail account" in home

        assert wait_until(mail_noted, 15)
        monitor = html.unescape(owner.get("/monitor")[1])
        assert 'id="alerts"' in monitor and "Modem spot: out of routing" in monitor
        metrics = metrics_text(harness)
        assert 'otpbroker_alerts_active{kind="sim_account"} 1' in metrics
        spot_id = harness.modem_ids[1]
        assert (
            f'otpbroker_modem_out_of_routing{{modem="{spot_id}",reason="sim_account"}} 1' in metrics
        )
        status, _, headers = owner.post(f"/modems/{spot_id}/put-back")
        assert status == 303 and headers["Location"].endswith("/modems")
        page = owner.get("/modems")[1]
        assert "back in routing" in page and "in routing" in row_of(page, "spot")
        assert "Modem spot: out of routing" not in owner.get("/")[1]
        assert 'otpbroker_alerts_active{kind="sim_account"} 0' in metrics_text(harness)
    finally:
        spot.set_conditions([])
        harness.broker.health.release(harness.modem_ids[1], "test over")


def test_put_back_of_a_modem_with_nothing_to_put_back_says_so(harness, owner):
    owner.get("/modems")
    status, _, _ = owner.post(f"/modems/{harness.modem_ids[2]}/put-back")
    assert status == 303
    assert "was not held out of routing" in owner.get("/modems")[1]
    assert owner.post("/modems/no-such-modem/put-back")[0] == 404


def test_put_back_needs_a_session_and_the_csrf_token(harness, owner):
    anonymous = AdminClient(harness.base)
    assert anonymous.post(f"/modems/{harness.modem_ids[0]}/put-back", csrf=False)[0] in (401, 403)
    owner.get("/modems")
    assert owner.post(f"/modems/{harness.modem_ids[0]}/put-back", csrf=False)[0] == 403


def test_a_locked_sim_gets_its_advice_on_the_modems_page(harness, owner):
    sim = SimModem(ModemProfile(imei="356938035640077", conditions=("pin:3",),
                                **GENERIC)).start()  # fmt: skip
    harness.sims.append(sim)
    record = harness.broker.store.add("modems", {"name": "locked", "port": sim.port})
    try:
        assert wait_until(lambda: "pin_required" in row_of(owner.get("/modems")[1], "locked"), 15)
        row = row_of(owner.get("/modems")[1], "locked")
        assert "SIM PIN field" in row and "PIN tries left: 3" in row
        assert "out: sim_locked" in row
        assert wait_until(
            lambda: "Modem locked: SIM locked" in html.unescape(owner.get("/")[1]), 15
        )
    finally:
        harness.broker.store.delete("modems", record["id"])


def test_the_monitor_stream_sends_the_alerts(harness, owner):
    spot = harness.sims[1]
    spot.set_conditions(["no-smsc"])
    try:
        harness.send_sms("628129999999", "Kode OTP 333444")
        events = read_stream(harness, owner, until="Modem spot: out of routing")
        assert "event: alerts" in events and "SMS center" in events
    finally:
        spot.set_conditions([])
        harness.broker.health.release(harness.modem_ids[1], "test over")


def metrics_text(harness) -> str:
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    return text


def read_stream(harness, client: AdminClient, until: str, timeout: float = 15.0) -> str:
    """The monitor's event stream as text, up to the first event containing ``until``."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
    host, port = urllib.parse.urlsplit(harness.base).netloc.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", "/admin-api/monitor/stream", headers={"Cookie": cookie})
        response = connection.getresponse()
        assert response.status == 200
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = response.readline().decode("utf-8")
            seen.append(line)
            if until in line:
                return "".join(seen)
        raise AssertionError("".join(seen)[-2000:])
    finally:
        connection.close()

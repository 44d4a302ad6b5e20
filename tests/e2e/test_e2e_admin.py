"""The owner's journey through every admin page in real headless Chromium.

One Broker (with one emulated modem configured) serves the whole module. The owner's steps
build on each other (create the administrator, add a second modem, an API user, send a
manual SMS, block a number, connect RabbitMQ): each step is a module fixture that runs once,
with its checks, when the first test needs it, so every test passes alone and in any order. Every page is photographed at
390 px and 1280 px (``test-output/screenshots/NN-name-{phone,desktop}.png``).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pika
import pytest
from browser_tools import chromium, shoot
from playwright.sync_api import Locator, Page, expect

from otpbroker.modem.sim import ModemProfile, SimModem

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))
sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from amqp_tools import rabbitmq_available, unique_queue
from broker_harness import BrokerHarness
from smtp_servers import start_smtp

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
SHOP = ("shop", "shop-password-1")
XL_IMEI = "356938035649994"
MANUAL_TEXT = "Tes SMS manual dari admin — kode 482913 ✓"
API_TEXT = "Kode OTP Anda 739154, jangan bagikan"
API_NUMBER = "0817-5550-1234"  # routed by prefix 62817 to the "XL stick" modem
API_MSISDN = "6281755501234"
BLOCKED = "0813-1111-2222"
USSD_REPLY = "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."


@pytest.fixture(scope="module")
def queue_name():
    name = unique_queue("otpb-e2e-admin")
    yield name
    if rabbitmq_available():
        connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
        connection.channel().queue_delete(name)
        connection.close()


@pytest.fixture(scope="module")
def harness(tmp_path_factory, queue_name):  # the queue outlives the broker's consumer
    h = BrokerHarness(tmp_path_factory.mktemp("e2e-admin") / "data")
    h.add_modem()  # "sim 0", configured before the first start
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def xl_sim(harness):
    """An emulated modem that is plugged in but not configured: the owner adds it."""
    sim = SimModem(ModemProfile(imei=XL_IMEI, operator="XL Axiata")).start()
    harness.sims.append(sim)  # stopped with the harness
    return sim


@pytest.fixture(scope="module")
def problems() -> list[str]:
    """Script errors, CSP refusals and missing resources seen by the page."""
    return []


@pytest.fixture(scope="module")
def page(harness, problems):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: problems.append(f"console: {msg.text}") if "Refused" in msg.text else None,
        )
        page.on(
            "response",
            lambda r: problems.append(f"404: {r.url}") if r.status == 404 else None,
        )
        page.on("dialog", lambda dialog: dialog.accept())
        yield page
        context.close()


@pytest.fixture(autouse=True)
def no_page_problems(problems):
    yield
    found, problems[:] = list(problems), []
    assert found == [], found


def go(page: Page, harness: BrokerHarness, path: str) -> None:
    page.goto(harness.base + path)
    assert page.url == harness.base + path, page.url  # not sent to the login page


def by_id(page: Page, element_id: str) -> Locator:
    """An element by id, also when the id holds dots (``f-feeders.rabbitmq.host``)."""
    return page.locator(f'[id="{element_id}"]')


def flash(page: Page) -> str:
    return page.inner_text(".flash")


def modem_row(page: Page, name: str) -> Locator:
    return page.locator("table tr", has=page.locator("strong", has_text=name))


# -- the owner's steps, each done once (with its checks) by the first test that needs it --------


@pytest.fixture(scope="module")
def owner(page, harness):
    """The first administrator, created on the setup page; the page is logged in."""
    page.goto(harness.base + "/")
    assert page.url.endswith("/setup")
    shoot(page, "10-setup")
    page.fill("#f-setup_code", harness.broker.setup_code.read())
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", OWNER[1])
    page.fill("#f-password2", OWNER[1])
    page.fill("#f-email", "owner@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(harness.base + "/")
    return OWNER


@pytest.fixture(scope="module")
def xl_modem(page, harness, owner, xl_sim):
    """The "XL stick" modem, added through the form and seen ready with its IMEI."""
    go(page, harness, "/modems")
    assert modem_row(page, "sim 0").count() == 1
    page.click("text=Add a modem")
    page.wait_for_url("**/modems/new")
    page.fill("#f-name", "XL stick")
    page.fill("#f-port", xl_sim.port)
    page.fill("#f-prefixes", "0817, 0818, 0859")
    expect(page.locator("#f-active")).to_be_checked()
    expect(page.locator("#f-send_from_api")).to_be_checked()
    page.select_option("#f-preset", "xl")  # modems.js fills the APN fields at once
    expect(page.locator("#f-apn")).to_have_value("internet")
    shoot(page, "12-modem-form")
    shoot(page, "12-modem-form-top", scroll_to="body")
    shoot(page, "12-modem-form-internet", scroll_to="#g-internet")
    page.click("button.primary")
    page.wait_for_url(harness.base + "/modems")
    assert "Modem XL stick added." in flash(page)
    return wait_until_ready(page, "XL stick")


def wait_until_ready(page: Page, name: str) -> str:
    """The modem's row text once the worker has opened, identified and registered it."""
    deadline = time.monotonic() + 20
    row = modem_row(page, name)
    while not (row.count() == 1 and "ready" in (text := row.inner_text()) and XL_IMEI in text):
        assert time.monotonic() < deadline, page.inner_text("main")
        time.sleep(0.3)
        page.reload()
        row = modem_row(page, name)
    return text


@pytest.fixture(scope="module")
def shop(page, harness, owner):
    """The API user "shop", added through the API users page."""
    go(page, harness, "/api-users")
    assert "No API user yet" in page.inner_text("main")
    page.fill("#f-username", SHOP[0])
    page.fill("#f-password", SHOP[1])
    page.fill("#f-password2", SHOP[1])
    page.fill("#f-phone", "+628111222333")
    page.fill("#f-email", "ops@shop.example")
    page.click("button.primary")
    page.wait_for_url(harness.base + "/api-users")
    assert "API user shop added." in flash(page)
    return SHOP


@pytest.fixture(scope="module")
def manual_sms(page, harness, xl_modem, xl_sim):
    """One SMS sent from the manual SMS page: what the page showed, and the delivery."""
    go(page, harness, "/manual-sms")
    page.select_option("#f-modem", label="XL stick (ready)")
    page.fill("#f-msisdn", "0818-7777-0001")
    page.fill("#f-text", MANUAL_TEXT)
    page.click("button.primary")
    card = page.locator(".outcome-card")
    shown = SimpleNamespace(
        card_class=card.get_attribute("class"),
        title=card.locator("h2").inner_text(),
        first_line=card.locator("p").first.inner_text(),
        text_field=page.input_value("#f-text"),
        content=page.content(),
    )
    shoot(page, "15-manual-sms")
    [shown.delivery] = xl_sim.wait_for_deliveries(1)
    return shown


@pytest.fixture(scope="module")
def blocked(page, harness, manual_sms, shop, xl_sim):
    """BLOCKED added on the blocking list page, then a REST send to it."""
    go(page, harness, "/blocklist")
    page.fill("#f-msisdn", BLOCKED)
    page.click("form[action='/blocklist'][method=post] button.primary")
    page.wait_for_url(harness.base + "/blocklist")
    shown = SimpleNamespace(msisdn=page.inner_text("td.msisdn"), main=page.inner_text("main"))
    shoot(page, "17-blocklist")
    shown.status, shown.body, _ = harness.send_sms(
        BLOCKED, API_TEXT, message_id="e2e-blocked", auth=SHOP
    )
    shown.deliveries = len(xl_sim.deliveries)
    return shown


@pytest.fixture(scope="module")
def rabbitmq_feeder(page, harness, owner, queue_name):
    """The RabbitMQ feeder, enabled on the feeders page and seen connected."""
    go(page, harness, "/feeders")
    state = page.locator("#feeder-rabbitmq [data-stat=state]")
    assert state.inner_text() == "disabled"
    by_id(page, "f-feeders.rabbitmq.enabled").check()
    for key, value in (("host", "127.0.0.1"), ("port", "5672"), ("username", "guest"),
                       ("password", "guest"), ("queue", queue_name), ("vhost", "/")):  # fmt: skip
        by_id(page, f"f-feeders.rabbitmq.{key}").fill(value)
    page.click("#feeder-rabbitmq button.primary")
    page.wait_for_url(re.compile(r".*/feeders"))
    expect(state).to_have_text("connected", timeout=20_000)  # feeders.js polls the status
    return state


# -- first run ----------------------------------------------------------------------------------


def test_setup_code_creates_the_first_administrator_then_login(page, harness, owner):
    go(page, harness, "/")
    page.click("#nav .logout button")
    page.wait_for_url("**/login")
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", "not-the-password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.inner_text(".flash.error")
    shoot(page, "11-login")
    page.fill("#f-username", OWNER[0])
    page.fill("#f-password", OWNER[1])
    page.click("button[type=submit]")
    page.wait_for_url(harness.base + "/")
    assert "Status" in page.inner_text("h1")


# -- modems ---------------------------------------------------------------------------------------


def test_add_a_modem_and_see_it_become_ready(page, harness, xl_modem):
    go(page, harness, "/modems")
    text = wait_until_ready(page, "XL stick")
    assert "XL Axiata" in text and "62817, 62818, 62859" in text
    assert re.search(r"\d+ %", text)
    shoot(page, "13-modems")


# -- API users ------------------------------------------------------------------------------------


def test_add_an_api_user(page, harness, shop):
    go(page, harness, "/api-users")
    row = page.locator("tbody tr", has_text="ops@shop.example")
    assert "active" in row.inner_text()
    shoot(page, "14-api-users")
    status, body, _ = harness.request(
        "/api/block", {"command": "block-msisdn", "data": {"msisdn": "0899"}}, auth=SHOP
    )
    assert status == 400, body  # authenticated (not 401): only the number is refused


# -- manual SMS and USSD -------------------------------------------------------------------------


def test_manual_sms_reaches_the_emulated_handset(manual_sms):
    assert manual_sms.card_class.split()[-1] == "ok"
    assert manual_sms.title == "Sent"
    assert manual_sms.first_line.startswith("Sent through XL stick")
    assert manual_sms.delivery.text == MANUAL_TEXT
    assert manual_sms.delivery.to.lstrip("+") == "6281877770001"
    assert manual_sms.text_field == ""  # the text is not kept, not even in the page
    assert "482913" not in manual_sms.content


def test_ussd_reply_is_decoded(page, harness, xl_modem):
    go(page, harness, "/ussd")
    page.select_option("#f-modem", label="XL stick (ready, XL Axiata)")
    page.fill("#f-code", "*888#")
    page.click("button.primary")
    assert page.inner_text(".ussd-reply") == USSD_REPLY
    assert page.inner_text(".outcome-card h2") == "*888# on XL stick"
    shoot(page, "16-ussd")


# -- blocking list --------------------------------------------------------------------------------


def test_a_blocked_number_is_refused_by_the_api(blocked):
    assert blocked.msisdn == "6281311112222"
    assert "1 blocked number." in blocked.main
    assert blocked.status == 403 and blocked.body["response_code"] == "1201", blocked.body
    assert blocked.deliveries == 1  # only the manual SMS


# -- monitor ----------------------------------------------------------------------------------------


def test_the_monitor_shows_a_rest_request_live_and_masked(page, harness, xl_sim, blocked):
    go(page, harness, "/monitor")
    expect(page.locator("#live-state")).to_have_attribute("data-live", "on")
    rows = page.locator("#event-rows tr:not(.empty)")
    before = rows.count()
    assert before >= 2  # the manual SMS and the refused (blocked) request
    status, body, _ = harness.send_sms(API_NUMBER, API_TEXT, message_id="e2e-monitor", auth=SHOP)
    assert status == 200 and body["response_code"] == "0000", body
    expect(rows).to_have_count(before + 1)  # pushed by the server, no reload
    newest = rows.first
    source, recipient, modem, outcome = (
        c.strip() for c in newest.locator("td").all_inner_texts()[1:5]
    )
    assert (source, modem, outcome) == ("REST user shop", "XL stick", "sent")
    assert re.fullmatch(r"6281\*+34", recipient), recipient  # masked, never the full number
    assert xl_sim.wait_for_deliveries(2)[1].text == API_TEXT
    assert "XL stick" in page.inner_text("#modem-rows")
    shoot(page, "18-monitor")
    content = page.content()
    for secret in (API_TEXT, "739154", API_MSISDN, "081755501234"):
        assert secret not in content


# -- feeders --------------------------------------------------------------------------------------


@pytest.mark.skipif(not rabbitmq_available(), reason="RabbitMQ not running on 127.0.0.1:5672")
def test_rabbitmq_feeder_connects(page, harness, queue_name, rabbitmq_feeder):
    go(page, harness, "/feeders")
    state = page.locator("#feeder-rabbitmq [data-stat=state]")
    expect(state).to_have_text("connected", timeout=20_000)  # feeders.js polls the status
    assert state.get_attribute("class") == "badge ok"
    assert by_id(page, "f-feeders.rabbitmq.queue").input_value() == queue_name
    assert by_id(page, "f-feeders.rabbitmq.password").input_value() == ""  # never sent back
    shoot(page, "19-feeders")
    shoot(page, "19-feeders-rabbitmq", scroll_to="#feeder-rabbitmq")


# -- settings ------------------------------------------------------------------------------------


def test_api_setting_shows_an_error_next_to_the_field(page, harness, owner):
    go(page, harness, "/api-settings")
    by_id(page, "f-api.http_port").fill("70000")
    by_id(page, "f-api.max_body_bytes").fill("4096")
    page.click("form.settings-form button.primary")
    error = by_id(page, "e-api.http_port")
    assert "must be between 1 and 65535, got 70000" in error.inner_text()
    assert "Nothing was saved" in page.inner_text(".flash.error")
    assert by_id(page, "f-api.max_body_bytes").input_value() == "4096"  # kept as typed
    field = page.locator(".field.invalid")
    assert field.count() == 1 and field.locator('[id="f-api.http_port"]').count() == 1
    shoot(page, "20-api-settings-error")
    shoot(page, "20-api-settings-error-field", scroll_to="form.settings-form")
    by_id(page, "f-api.http_port").fill(str(harness.broker.store.get("api.http_port")))
    page.click("form.settings-form button.primary")
    page.wait_for_url(harness.base + "/api-settings")
    assert "Saved:" in flash(page)
    assert harness.broker.store.get("api.max_body_bytes") == 4096


def test_sms_setting_shows_an_error_next_to_the_field(page, harness, owner):
    go(page, harness, "/sms-settings")
    by_id(page, "f-otp.template").fill("Your code")
    page.click("form.settings-form button.primary")
    assert "must contain '{otp}' exactly once" in by_id(page, "e-otp.template").inner_text()
    shoot(page, "21-sms-settings-error")
    shoot(page, "21-sms-settings-error-field", scroll_to=".field.invalid")
    by_id(page, "f-otp.template").fill("Kode OTP Anda {otp}")
    by_id(page, "f-sms.max_attempts").fill("2")
    page.click("form.settings-form button.primary")
    page.wait_for_url(harness.base + "/sms-settings")
    assert "Saved:" in flash(page)
    assert harness.broker.store.get("otp.template") == "Kode OTP Anda {otp}"
    assert harness.broker.store.get("sms.max_attempts") == 2


# -- e-mail, administrators, home ------------------------------------------------------------------


def test_add_an_email_account_and_send_a_test_mail(page, harness, owner):
    server = start_smtp("mx")
    try:
        go(page, harness, "/mail")
        page.fill("#f-name", "relay-1")
        page.select_option("#f-kind", "smtp")
        page.fill("#f-host", "127.0.0.1")
        page.fill("#f-port", str(server.port))
        page.select_option("#f-security", "none")
        page.uncheck("#f-auth")  # the test server takes mail without logging in
        page.fill("#f-sender", "otp@device.test")
        page.fill("#f-daily_limit", "500")
        page.check("#f-active")
        page.click("form[action='/mail'] button.primary")
        page.wait_for_url(harness.base + "/mail")
        assert "relay-1" in page.inner_text("table.mail-accounts")
        page.fill("#f-recipient", "someone@example.test")
        page.click("form[action^='/mail/test'] button.primary")
        assert "Test mail sent to someone@example.test" in page.inner_text(".mail-result")
        [mail] = server.received
        assert mail.rcpt_tos == ["someone@example.test"]
        shoot(page, "22-mail")
        shoot(page, "22-mail-top", scroll_to="body")
    finally:
        server.stop()


def test_administrators_and_home(request, page, harness, owner, xl_modem):
    if rabbitmq_available():
        request.getfixturevalue("rabbitmq_feeder")
    go(page, harness, "/admins")
    assert "owner@example.com" in page.inner_text("table")
    shoot(page, "23-administrators")
    go(page, harness, "/")
    main = page.inner_text("main")
    for text in ("Service", "Server", "Network addresses", "sim 0", "XL stick", "Messages sent"):
        assert text in main, text
    if rabbitmq_available():
        assert re.search(r"RabbitMQ\s+connected", main), main
    shoot(page, "24-home")

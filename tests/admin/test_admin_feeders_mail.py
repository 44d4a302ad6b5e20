"""Feeders and e-mail pages: access, saving, live status, connection tests, test mails."""

from __future__ import annotations

import html
import json
import re
import sys
import time
from pathlib import Path

import pika
import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
sys.path.insert(0, str(Path(__file__).parents[1] / "feeders"))
from amqp_tools import free_port, rabbitmq_available, unique_queue
from broker_harness import running_broker
from smtp_servers import start_smtp

needs_rabbitmq = pytest.mark.skipif(not rabbitmq_available(), reason="RabbitMQ not running")


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


@pytest.fixture
def smtp():
    servers = []

    def start(name="mx", **kwargs):
        server = start_smtp(name, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def queues():
    names: list[str] = []
    yield names
    if names and rabbitmq_available():
        connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)
        connection.close()


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def rabbitmq_form(queue, **changes):
    form = {
        "feeders.rabbitmq.enabled": "on",
        "feeders.rabbitmq.host": "127.0.0.1",
        "feeders.rabbitmq.port": "5672",
        "feeders.rabbitmq.username": "guest",
        "feeders.rabbitmq.password": "",
        "feeders.rabbitmq.queue": queue,
        "feeders.rabbitmq.vhost": "/",
        "feeders.rabbitmq.prefetch": "10",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def feeder_status(client, name):
    status, text, headers = client.get("/admin-api/feeders")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return next(f for f in json.loads(text)["feeders"] if f["name"] == name)


def password_inputs(text):
    return re.findall(r'<input[^>]*type="password"[^>]*>', text)


# -- access ------------------------------------------------------------------------------------


def test_every_new_route_refuses_anonymous_visitors(admin, harness):
    anonymous = AdminClient(harness.base)
    for path in ("/feeders", "/mail", "/monitor", "/mail/x/edit"):
        status, _, headers = anonymous.get(path)
        assert status == 303 and headers["Location"].endswith("/login"), path
    for path in ("/admin-api/feeders", "/admin-api/monitor/stream"):
        status, text, headers = anonymous.get(path)
        assert status == 401 and headers["Content-Type"].startswith("application/json"), path
        assert "error" in json.loads(text)
    for path in (
        "/feeders/rabbitmq",
        "/feeders/mqtt/test",
        "/mail",
        "/mail/test",
        "/mail/x",
        "/mail/x/delete",
        "/mail/x/activate",
    ):
        status, _, _ = anonymous.post(path, {"csrf": "anything"}, csrf=False)
        assert status == 401, path
    assert harness.broker.store.list("mail_accounts") == []


def test_forms_need_the_csrf_token(admin):
    assert admin.post("/feeders/rabbitmq", rabbitmq_form("q"), csrf=False)[0] == 403
    assert admin.post("/mail", {"name": "x"}, csrf=False)[0] == 403
    assert admin.post("/mail/test", {"recipient": "a@b.test"}, csrf=False)[0] == 403


# -- feeders -----------------------------------------------------------------------------------


def test_feeders_page_shows_every_setting_and_status(admin, harness):
    status, text, _ = admin.get("/feeders")
    assert status == 200
    settings = harness.broker.store.settings()
    for key in (k for k in settings if k.startswith("feeders.")):
        assert f'name="{key}"' in text, key
    for label in ("RabbitMQ", "WSMessageBroker", "MQTT", "Test connection", "Reconnects"):
        assert label in text
    assert '<script src="/static/feeders.js" defer></script>' in text
    assert "<script>" not in text and "style=" not in text and " onclick" not in text
    assert feeder_status(admin, "rabbitmq")["state"] == "disabled"
    assert admin.get("/static/feeders.js")[0] == 200


@needs_rabbitmq
def test_saving_rabbitmq_settings_starts_the_feeder(admin, harness, queues):
    queue = unique_queue("otpb-admin")
    queues.append(queue)
    harness.broker.store.set("feeders.rabbitmq.password", "guest")
    admin.get("/feeders")
    status, _, headers = admin.post("/feeders/rabbitmq", rabbitmq_form(queue))
    assert status == 303 and "/feeders" in headers["Location"]
    store = harness.broker.store
    assert store.get("feeders.rabbitmq.queue") == queue
    assert store.get("feeders.rabbitmq.enabled") is True
    assert store.get("feeders.rabbitmq.password") == "guest"  # blank kept it
    connected = wait_for(
        lambda: feeder_status(admin, "rabbitmq")["state"] == "connected", what="feeder connected"
    )
    assert connected
    _, text, _ = admin.get("/feeders")
    assert re.search(r'data-stat="state">connected<', text)
    assert all('value=""' in tag for tag in password_inputs(text))
    assert "a password is stored" in text
    # switching it off stops it
    admin.post("/feeders/rabbitmq", rabbitmq_form(queue, **{"feeders.rabbitmq.enabled": None}))
    wait_for(lambda: feeder_status(admin, "rabbitmq")["state"] == "disabled", what="stopped")


def test_feeder_passwords_are_never_sent_back(admin, harness):
    secret = "Mqtt-Secret-7f3a9"
    admin.get("/feeders")
    form = {
        "feeders.mqtt.host": "127.0.0.1",
        "feeders.mqtt.port": "1883",
        "feeders.mqtt.username": "otp-device",
        "feeders.mqtt.password": secret,
        "feeders.mqtt.topic": "otpb-admin-test",
        "feeders.mqtt.client_id": "otpb-admin-test",
    }
    assert admin.post("/feeders/mqtt", form)[0] == 303
    assert harness.broker.store.get("feeders.mqtt.password") == secret
    _, text, _ = admin.get("/feeders")
    _, api, _ = admin.get("/admin-api/feeders")
    assert secret not in text and secret not in api
    # blank keeps, typed replaces, "remove" clears
    assert admin.post("/feeders/mqtt", {**form, "feeders.mqtt.password": ""})[0] == 303
    assert harness.broker.store.get("feeders.mqtt.password") == secret
    assert 'name="feeders.mqtt.password.clear"' in admin.get("/feeders")[1]
    cleared = {**form, "feeders.mqtt.password": "", "feeders.mqtt.password.clear": "on"}
    assert admin.post("/feeders/mqtt", cleared)[0] == 303
    assert harness.broker.store.get("feeders.mqtt.password") == ""
    # a failed save re-shows the form without the typed password either
    status, text, _ = admin.post("/feeders/mqtt", {**form, "feeders.mqtt.port": "99999"})
    assert status == 400 and secret not in text


def test_feeder_validation_errors_are_shown_next_to_the_field(admin, harness):
    admin.get("/feeders")
    status, text, _ = admin.post(
        "/feeders/rabbitmq", rabbitmq_form("q", **{"feeders.rabbitmq.port": "many"})
    )
    assert status == 400
    assert 'id="e-feeders.rabbitmq.port"' in text and "must be a whole number" in text
    status, text, _ = admin.post(
        "/feeders/rabbitmq", rabbitmq_form("q", **{"feeders.rabbitmq.host": "bad host!"})
    )
    assert status == 400 and 'id="e-feeders.rabbitmq.host"' in text
    assert 'value="bad host!"' in text  # the typed values stay in the form
    status, text, _ = admin.post(
        "/feeders/ws", {"feeders.ws.url": "http://nope", "feeders.ws.channel": "sms"}
    )
    assert status == 400 and 'id="e-feeders.ws.url"' in text
    assert harness.broker.store.get("feeders.rabbitmq.queue") == "sms"  # nothing saved


def test_feeder_delivery_defaults_and_mqtt_version_are_set_in_the_form(admin, harness):
    _, text, _ = admin.get("/feeders")
    for name in ("rabbitmq", "ws", "mqtt"):
        assert f'name="feeders.{name}.default_ttl_seconds"' in text
        assert re.search(rf'<select id="f-feeders.{name}.default_priority"[^>]*>\s*'
                         r'<option value="otp" selected>otp</option>\s*'
                         r'<option value="bulk">bulk</option>', text)  # fmt: skip
    assert '<option value="5" selected>5</option>' in text and "Default TTL (seconds)" in text
    form = {"feeders.ws.url": "ws://127.0.0.1:9/ws", "feeders.ws.channel": "sms",
            "feeders.ws.default_ttl_seconds": "120", "feeders.ws.default_priority": "bulk"}  # fmt: skip
    assert admin.post("/feeders/ws", form)[0] == 303
    store = harness.broker.store
    assert store.get("feeders.ws.default_ttl_seconds") == 120
    assert store.get("feeders.ws.default_priority") == "bulk"
    mqtt_form = {"feeders.mqtt.protocol": "3.1.1", "feeders.mqtt.topic": "sms"}
    assert admin.post("/feeders/mqtt", mqtt_form)[0] == 303
    assert store.get("feeders.mqtt.protocol") == "3.1.1"
    status, text, _ = admin.post("/feeders/ws", {**form, "feeders.ws.default_priority": "urgent"})
    assert status == 400 and 'id="e-feeders.ws.default_priority"' in text
    status, text, _ = admin.post("/feeders/ws", {**form, "feeders.ws.default_ttl_seconds": "-1"})
    assert status == 400 and 'id="e-feeders.ws.default_ttl_seconds"' in text
    assert store.get("feeders.ws.default_priority") == "bulk"  # nothing saved


def test_rabbitmq_queue_type_and_route_classes_are_set_in_the_form(admin, harness):
    admin.get("/feeders")
    store = harness.broker.store
    form = rabbitmq_form(
        "q",
        **{
            "feeders.rabbitmq.enabled": None,
            "feeders.rabbitmq.queue_type": "quorum",
            "feeders.rabbitmq.delivery_limit": "4",
            "feeders.rabbitmq.dead_letter_exchange": "sms.dead",
            "feeders.rabbitmq.route_classes": "tsel;sms.tsel;10;62811 0812, xl;sms.xl;-2;62817",
        },
    )
    assert admin.post("/feeders/rabbitmq", form)[0] == 303
    assert store.get("feeders.rabbitmq.queue_type") == "quorum"
    assert store.get("feeders.rabbitmq.delivery_limit") == 4
    assert store.get("feeders.rabbitmq.route_classes") == [
        "tsel;sms.tsel;10;62811 0812",
        "xl;sms.xl;-2;62817",
    ]
    _, text, _ = admin.get("/feeders")
    assert 'value="tsel;sms.tsel;10;62811 0812, xl;sms.xl;-2;62817"' in text
    twice = {**form, "feeders.rabbitmq.route_classes": "a;q1;1;62811, a;q2;1;62817"}
    status, text, _ = admin.post("/feeders/rabbitmq", twice)
    assert status == 400 and 'id="e-feeders.rabbitmq.route_classes"' in text
    assert "is used twice" in text
    assert len(store.get("feeders.rabbitmq.route_classes")) == 2  # nothing saved


@needs_rabbitmq
def test_rabbitmq_connection_test_with_unsaved_settings(admin, harness):
    admin.get("/feeders")
    form = rabbitmq_form("otpb-admin-probe", **{"feeders.rabbitmq.password": "guest"})
    status, text, _ = admin.post("/feeders/rabbitmq/test", form)
    assert status == 200
    assert "Test connection: connected" in text
    assert harness.broker.store.get("feeders.rabbitmq.enabled") is False  # nothing saved
    assert harness.broker.store.get("feeders.rabbitmq.host") == "localhost"

    port = free_port()
    form = rabbitmq_form("q", **{"feeders.rabbitmq.port": str(port)})
    status, text, _ = admin.post("/feeders/rabbitmq/test", form)
    assert status == 200
    result = html.unescape(
        re.search(r'class="flash error probe-result"[^>]*>(.*?)</p>', text, re.S).group(1)
    )
    assert f"127.0.0.1:{port}: connection refused" in result

    status, text, _ = admin.post(
        "/feeders/rabbitmq/test",
        rabbitmq_form("q", **{"feeders.rabbitmq.password": "wrong-password"}),
    )
    assert "credentials rejected for user &#039;guest&#039;" in text
    assert "wrong-password" not in text


def test_mqtt_and_ws_connection_tests(admin):
    admin.get("/feeders")
    form = {
        "feeders.mqtt.host": "127.0.0.1",
        "feeders.mqtt.port": "1883",
        "feeders.mqtt.topic": "otpb-admin-probe",
        "feeders.mqtt.client_id": "",
    }
    status, text, _ = admin.post("/feeders/mqtt/test", form)
    assert status == 200 and "Test connection: connected" in text
    port = free_port()
    status, text, _ = admin.post(
        "/feeders/ws/test",
        {"feeders.ws.url": f"ws://127.0.0.1:{port}/ws", "feeders.ws.channel": "sms"},
    )
    assert status == 200 and f"ws://127.0.0.1:{port}/ws: connection refused" in text


# -- e-mail ------------------------------------------------------------------------------------


def account_form(port, **changes):
    form = {
        "name": "relay-test",
        "kind": "smtp",
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "username": "",
        "password": "",
        "sender": "otp@device.test",
        "daily_limit": "500",
        "active": "on",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_mail_page_lists_accounts_with_help(admin, harness):
    status, text, _ = admin.get("/mail")
    assert status == 200 and "No e-mail account yet" in text
    assert "smtp.gmail.com" in text and "587" in text and "465" in text
    assert "Receivers may reject it" in text
    assert "<script>" not in text and "style=" not in text


def test_add_account_and_send_a_test_mail(admin, harness, smtp):
    server = smtp("mx")
    admin.get("/mail")
    status, _, headers = admin.post("/mail", account_form(server.port))
    assert status == 303 and headers["Location"].endswith("/mail")
    [record] = harness.broker.store.list("mail_accounts")
    assert record["port"] == server.port and record["auth"] is False and record["active"] is True
    _, text, _ = admin.get("/mail")
    assert "relay-test" in text and f"127.0.0.1:{server.port}" in text and "otp@device.test" in text

    status, text, _ = admin.post("/mail/test", {"recipient": "someone@example.test"})
    assert status == 200 and "Test mail sent to someone@example.test via account relay-test" in text
    [mail] = server.received
    assert mail.rcpt_tos == ["someone@example.test"] and mail.mail_from == "otp@device.test"
    assert mail.parsed()["Subject"] == "OTP Broker test mail"
    _, text, _ = admin.get("/mail")
    assert re.search(r'data-label="Sent today">1<', text)


def test_test_mail_failure_is_shown(admin, harness):
    admin.get("/mail")
    status, text, _ = admin.post("/mail/test", {"recipient": "someone@example.test"})
    assert status == 200 and "Test mail not sent (1210)" in text  # no account yet
    admin.post("/mail", account_form(free_port()))
    status, text, _ = admin.post("/mail/test", {"recipient": "someone@example.test"})
    assert "Test mail not sent (1102)" in text and "relay-test" in text
    status, text, _ = admin.post("/mail/test", {"recipient": "not-an-address"})
    assert "Test mail not sent (1211)" in text


def test_edit_keeps_the_password_when_blank(admin, harness, smtp):
    secret = "Smtp-App-Password-42"
    server = smtp("auth", users={"device@device.test": secret}, auth_require_tls=False)
    admin.get("/mail")
    form = account_form(server.port, auth="on", username="device@device.test", password=secret)
    assert admin.post("/mail", form)[0] == 303
    [record] = harness.broker.store.list("mail_accounts")
    assert record["password"] == secret

    status, text, _ = admin.get(f"/mail/{record['id']}/edit")
    assert status == 200 and secret not in text and "a password is stored" in text
    assert all('value=""' in tag for tag in password_inputs(text))
    edited = account_form(
        server.port,
        name="renamed",
        auth="on",
        username="device@device.test",
        password="",
        daily_limit="20",
    )
    status, _, _ = admin.post(f"/mail/{record['id']}", edited)
    assert status == 303
    record = harness.broker.store.get_record("mail_accounts", record["id"])
    assert record["name"] == "renamed" and record["daily_limit"] == 20
    assert record["password"] == secret
    _, text, _ = admin.post("/mail/test", {"recipient": "someone@example.test"})
    assert "Test mail sent" in text and server.received[0].authenticated
    assert secret not in text and secret not in admin.get("/mail")[1]


def test_mail_validation_errors_next_to_fields(admin, harness):
    admin.get("/mail")
    status, text, _ = admin.post("/mail", account_form(587, sender="nobody"))
    assert status == 400 and 'id="e-sender"' in text and "an e-mail address" in text
    assert 'value="relay-test"' in text  # the form keeps what was typed
    status, text, _ = admin.post("/mail", account_form("abc"))
    assert status == 400 and 'id="e-port"' in text and "whole number" in text
    status, text, _ = admin.post("/mail", account_form(70000))
    assert status == 400 and 'id="e-port"' in text
    status, text, _ = admin.post("/mail", account_form(25, name=""))
    assert status == 400 and 'id="e-name"' in text
    status, text, _ = admin.post("/mail", account_form(587, auth="on", username=""))
    assert status == 400 and 'id="e-username"' in text and "logging in" in text
    status, text, _ = admin.post("/mail", account_form(587, host=""))
    assert status == 400 and 'id="e-host"' in text
    assert harness.broker.store.list("mail_accounts") == []


def test_activate_deactivate_delete(admin, harness):
    admin.get("/mail")
    admin.post("/mail", account_form(2525, kind="local", host="", name="local-relay"))
    [record] = harness.broker.store.list("mail_accounts")
    admin.get("/mail")
    assert admin.post(f"/mail/{record['id']}/deactivate")[0] == 303
    assert harness.broker.store.get_record("mail_accounts", record["id"])["active"] is False
    _, text, _ = admin.get("/mail")
    assert "inactive" in text and f"/mail/{record['id']}/activate" in text
    assert admin.post(f"/mail/{record['id']}/activate")[0] == 303
    assert harness.broker.store.get_record("mail_accounts", record["id"])["active"] is True
    admin.get("/mail")
    assert admin.post(f"/mail/{record['id']}/delete")[0] == 303
    assert harness.broker.store.list("mail_accounts") == []
    admin.get("/mail")
    assert admin.post("/mail/nope/delete")[0] == 404
    assert admin.get("/mail/nope/edit")[0] == 404

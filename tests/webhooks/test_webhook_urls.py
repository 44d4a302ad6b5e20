"""Bad webhooks are refused with a precise error and change nothing: an invalid URL, a scheme
other than http/https, credentials in the URL, an address that is loopback, link-local, the
metadata address, private or the device's own (unless allowed), an unresolvable host, an
unknown owner, no event kind. The same checks hold at delivery time."""

from __future__ import annotations

import pytest
from waiting import wait_until
from webhook_rig import OWN

from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.services.webhook_urls import address_problem, parse_url
from otpbroker.services.webhooks import WebhookRefused

REFUSED = [
    ("not a url", "must not contain spaces"),
    ("example.com/hook", "must start with http:// or https://, not nothing"),
    ("ftp://example.com/hook", "must start with http:// or https://, not ftp"),
    ("https://user:pw@example.com/hook", "must not carry a user name or password"),
    ("https://token@example.com/hook", "must not carry a user name or password"),
    ("http:///hook", "must name a host"),
    ("http://example.com:99999/", "is not a valid URL"),
    ("https://example.com/" + "a" * 2048, "must be 8 to 2048 characters long, got 2068"),
    ("http://127.0.0.1:8080/hook", "resolves to the loopback address 127.0.0.1"),
    ("http://localhost/hook", "resolves to the loopback address"),
    ("http://[::1]/hook", "resolves to the loopback address ::1"),
    ("http://169.254.169.254/latest/meta-data", "the cloud metadata address 169.254.169.254"),
    ("http://169.254.10.1/", "resolves to the link-local address 169.254.10.1"),
    ("http://[fe80::1]/", "resolves to the link-local address fe80::1"),
    ("http://10.1.2.3/hook", "resolves to the private address 10.1.2.3"),
    ("http://192.168.1.20/hook", "resolves to the private address 192.168.1.20"),
    ("http://[::ffff:127.0.0.1]/", "resolves to the loopback address 127.0.0.1"),
    (f"http://{OWN[0]}/hook", f"resolves to {OWN[0]}, an address of this device"),
    ("http://0.0.0.0/hook", "resolves to the unspecified address 0.0.0.0"),
    ("http://224.0.0.1/hook", "resolves to the multicast address 224.0.0.1"),
    ("http://no-such-host.invalid/hook", "its host cannot be resolved"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED)
def test_a_bad_url_is_refused_precisely_and_nothing_is_stored(rig, url, why):
    with pytest.raises(WebhookRefused) as refused:
        rig.webhooks.add({"owner": "app", "url": url, "events": ["status"]})
    assert why in refused.value.errors["url"]
    assert rig.store.list("webhooks") == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://192.168.1.20/x", f"http://{OWN[0]}/"]
)
def test_private_loopback_and_own_addresses_pass_when_explicitly_allowed(rig, url):
    record, secret = rig.webhooks.add(
        {"owner": "app", "url": url, "events": ["status"], "allow_private_address": True}
    )
    assert record["url"] == url and len(secret) == 64 and "secret" not in record
    assert record["secret_set"] is True


@pytest.mark.parametrize("url", ["http://0.0.0.0/", "http://224.0.0.1/"])
def test_unspecified_and_multicast_are_refused_even_when_allowed(rig, url):
    with pytest.raises(WebhookRefused):
        rig.webhooks.add({"owner": "app", "url": url, "events": ["status"],
                          "allow_private_address": True})  # fmt: skip
    assert rig.store.list("webhooks") == []


def test_an_unknown_owner_and_no_event_kind_are_refused(rig):
    with pytest.raises(WebhookRefused) as refused:
        rig.webhooks.add({"owner": "nobody", "url": "http://127.0.0.1/",
                          "allow_private_address": True})  # fmt: skip
    assert refused.value.errors == {"owner": "'nobody' is neither an API user nor a feeder"}
    with pytest.raises(ValueError, match="at least one event kind") as empty:
        rig.webhooks.add({"owner": "app", "url": "http://127.0.0.1/", "events": [],
                          "allow_private_address": True})  # fmt: skip
    assert getattr(empty.value, "key", "") == "webhooks.events"
    with pytest.raises(ValueError, match="status, inbound or alert"):
        rig.webhooks.add({"owner": "feeder:ws", "url": "http://127.0.0.1/", "events": ["sms"],
                          "allow_private_address": True})  # fmt: skip
    assert rig.store.list("webhooks") == []


def test_an_edit_to_a_refused_url_changes_nothing(rig):
    record, _ = rig.webhooks.add({"owner": "app", "url": "http://127.0.0.1:9/a",
                                  "events": ["status"], "allow_private_address": True})  # fmt: skip
    with pytest.raises(WebhookRefused):
        rig.webhooks.edit(record["id"], {"url": "http://127.0.0.1:9/b",
                                         "allow_private_address": False})  # fmt: skip
    with pytest.raises(WebhookRefused, match="loopback"):  # the flag alone, the URL stored
        rig.webhooks.edit(record["id"], {"allow_private_address": False})
    stored = rig.webhooks.get(record["id"])
    assert stored["url"] == "http://127.0.0.1:9/a" and stored["allow_private_address"] is True


def test_at_delivery_a_url_no_longer_allowed_is_not_posted(rig, receivers):
    receiver = receivers()
    hook = rig.add(receiver.url)
    rig.store.update("webhooks", hook["id"], {"allow_private_address": False})  # behind its back
    rig.store.set("webhooks.max_attempts", 1)
    rig.bus.publish_status(StatusEvent("m-1", MessageState.SENT, "rest", "app"))
    assert wait_until(lambda: len(rig.webhooks.dead_letters()) == 1)
    assert "loopback address 127.0.0.1" in rig.webhooks.dead_letters()[0]["last_error"]
    assert receiver.snapshot() == []


def test_the_parts_of_a_good_url():
    target = parse_url("https://Hooks.Example.com/in?k=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        443,
        "/in?k=1",
    )
    assert address_problem("93.184.216.34", False) is None
    assert address_problem("100.64.0.1", False) is not None  # shared (carrier-grade NAT)

"""DdnsClients: the User-Agent, the address source and the provider, read from the settings."""

from __future__ import annotations

import pytest

from otpbroker.ddns.clients import DdnsClients
from otpbroker.ddns.cloudflare import Cloudflare


class Settings(dict):
    pass


def test_the_user_agent_names_the_version_and_the_contact():
    clients = DdnsClients(Settings({"ddns.contact": "ops@example.org"}), "1.2.3")
    assert clients.web_client().user_agent == "OTP-Broker/1.2.3 ops@example.org"
    assert DdnsClients(Settings(), "1.2.3").web_client().user_agent == "OTP-Broker/1.2.3"


def test_a_provider_client_per_account_and_unknown_kinds_refused():
    clients = DdnsClients(Settings(), "1.2.3")
    assert isinstance(clients.provider({"provider": "cloudflare", "api_token": "t"}), Cloudflare)
    with pytest.raises(ValueError, match="unknown DDNS provider"):
        clients.provider({"provider": "nope"})


def test_the_public_address_comes_from_the_configured_services(monkeypatch):
    seen = {}

    class Finder:
        def __init__(self, client, services, source):
            seen.update(agent=client.user_agent, services=services, source=source)

        def find(self):
            return "203.0.113.7"

    monkeypatch.setattr("otpbroker.ddns.clients.PublicAddressFinder", Finder)
    settings = Settings({"ddns.ip_services": ["https://ip.example/"], "ddns.ip_source": "web"})
    assert DdnsClients(settings, "9").find_public_address() == "203.0.113.7"
    assert seen == {"agent": "OTP-Broker/9", "services": ["https://ip.example/"], "source": "web"}

"""The DDNS updater's clients, built from the current settings at each use.

Every client shares one User-Agent naming the version and the configured contact
(``ddns.contact``); the public address comes from the configured source (``ddns.ip_source``,
``ddns.ip_services``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.ddns.providers import provider_for, user_agent
from otpbroker.ddns.public_ip import PublicAddressFinder
from otpbroker.ddns.web_client import WebClient
from otpbroker.domain.ddns import DnsProvider
from otpbroker.domain.ports import Settings


class DdnsClients:
    """Builds the HTTP client, the public-address finder and the provider clients."""

    def __init__(self, settings: Settings, version: str) -> None:
        """``version``: the app's, named in the User-Agent."""
        self._settings = settings
        self._version = version

    def web_client(self) -> WebClient:
        """The HTTP client of DDNS requests (User-Agent with the configured contact)."""
        contact = str(self._settings.get("ddns.contact") or "")
        return WebClient(user_agent(self._version, contact))

    def find_public_address(self) -> str:
        """The public IPv4 address from the configured source."""
        listed = self._settings.get("ddns.ip_services")
        services = [str(url) for url in listed] if isinstance(listed, list | tuple) else []
        source = str(self._settings.get("ddns.ip_source") or "web")
        return PublicAddressFinder(self.web_client(), services, source).find()

    def provider(self, account: Mapping[str, Any]) -> DnsProvider:
        """The provider client for a ``ddns_accounts`` record (ValueError: unknown kind)."""
        return provider_for(account, self.web_client())


__all__ = ["DdnsClients"]

"""Which client speaks for an account: the provider names and how each client is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otpbroker.ddns.cloudflare import Cloudflare
from otpbroker.ddns.dynu import dynu
from otpbroker.ddns.freedns import FreeDns
from otpbroker.ddns.noip import noip
from otpbroker.ddns.web_client import WebClient
from otpbroker.domain.ddns import DnsProvider

PROVIDERS: dict[str, str] = {
    "cloudflare": "Cloudflare",
    "noip": "No-IP",
    "dynu": "Dynu",
    "freedns": "FreeDNS (afraid.org)",
}


def user_agent(version: str, contact: str) -> str:
    """``OTP-Broker/<version> <contact>``, as No-IP asks clients to identify themselves."""
    return f"OTP-Broker/{version}" + (f" {contact}" if contact else "")


def provider_for(account: Mapping[str, Any], client: WebClient) -> DnsProvider:
    """The client for ``account`` (a ``ddns_accounts`` record); ValueError for an unknown one."""
    kind = str(account.get("provider", ""))
    base = str(account.get("base_url") or "")
    username = str(account.get("username") or "")
    password = str(account.get("password") or "")
    token = str(account.get("api_token") or "")
    if kind == "cloudflare":
        return Cloudflare(token, client, base)
    if kind == "noip":
        return noip(username, password, client, base)
    if kind == "dynu":
        return dynu(username, password, client, base)
    if kind == "freedns":
        return FreeDns(token, client, base)
    raise ValueError(f"unknown DDNS provider {kind!r}")

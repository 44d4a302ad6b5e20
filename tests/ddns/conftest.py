"""Shared pieces of the DDNS tests: the HTTP client the providers use."""

from __future__ import annotations

import pytest

from otpbroker.ddns.web_client import WebClient

USER_AGENT = "OTP-Broker/9.9 ops@example.com"


@pytest.fixture
def client() -> WebClient:
    return WebClient(USER_AGENT, timeout=5.0)

"""Dynu: its IP update protocol (dyndns2 style) at ``api.dynu.com`` and Dynu's answers.

Dynu accepts the account password or a separate "IP update password" set in its control
panel; either is sent with HTTP Basic authentication.
"""

from __future__ import annotations

from otpbroker.ddns.dyndns2 import AnswerTable, DynDns2
from otpbroker.ddns.web_client import WebClient
from otpbroker.domain.ddns import Outcome

DEFAULT_BASE_URL = "https://api.dynu.com"
SERVER_WAIT_SECONDS = 30 * 60.0

ANSWERS: AnswerTable = {
    "good": (Outcome.UPDATED, "updated", None),
    "nochg": (Outcome.UNCHANGED, "already set, nothing changed", None),
    "badauth": (Outcome.FATAL, "wrong user name or password", None),
    "nohost": (Outcome.FATAL, "the host name does not exist in this account", None),
    "notfqdn": (Outcome.FATAL, "the host name is not a fully qualified domain name", None),
    "numhost": (Outcome.FATAL, "too many host names in one update", None),
    "abuse": (Outcome.FATAL, "the host is blocked for abuse; updates stopped", None),
    "!donator": (Outcome.FATAL, "the request used a feature this account lacks", None),
    "badagent": (Outcome.FATAL, "Dynu refused this client; updates stopped", None),
    "unknown": (Outcome.FATAL, "Dynu did not understand the request", None),
    "servererror": (Outcome.RETRY, "Dynu has a server error; trying later", SERVER_WAIT_SECONDS),
    "dnserr": (Outcome.RETRY, "Dynu has a DNS error; trying later", SERVER_WAIT_SECONDS),
    "911": (Outcome.RETRY, "Dynu has a problem; next try in 30 minutes", SERVER_WAIT_SECONDS),
}


def dynu(username: str, password: str, client: WebClient, base_url: str = "") -> DynDns2:
    """A Dynu account (user name, password or IP update password)."""
    return DynDns2(username, password, client, base_url or DEFAULT_BASE_URL, ANSWERS, "Dynu")

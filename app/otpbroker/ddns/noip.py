"""No-IP: the dyndns2 protocol at ``dynupdate.no-ip.com`` with the answers No-IP documents.

``good``/``nochg`` are successes; ``nohost``, ``badauth``, ``badagent``, ``!donator`` and
``abuse`` need a person to act, so the record stops updating; ``911`` is a problem at
No-IP and the next try must wait at least 30 minutes.
"""

from __future__ import annotations

from otpbroker.ddns.dyndns2 import AnswerTable, DynDns2
from otpbroker.ddns.web_client import WebClient
from otpbroker.domain.ddns import Outcome

DEFAULT_BASE_URL = "https://dynupdate.no-ip.com"
OUTAGE_WAIT_SECONDS = 30 * 60.0

ANSWERS: AnswerTable = {
    "good": (Outcome.UPDATED, "updated", None),
    "nochg": (Outcome.UNCHANGED, "already set, nothing changed", None),
    "nohost": (Outcome.FATAL, "the host name does not exist in this account", None),
    "badauth": (Outcome.FATAL, "wrong user name or password", None),
    "badagent": (Outcome.FATAL, "No-IP disabled this client; updates stopped", None),
    "!donator": (Outcome.FATAL, "the request used a feature this account lacks", None),
    "abuse": (Outcome.FATAL, "the account is blocked for abuse; updates stopped", None),
    "911": (Outcome.RETRY, "No-IP has a problem; next try in 30 minutes", OUTAGE_WAIT_SECONDS),
}


def noip(username: str, password: str, client: WebClient, base_url: str = "") -> DynDns2:
    """A No-IP account (user name or e-mail, password)."""
    return DynDns2(username, password, client, base_url or DEFAULT_BASE_URL, ANSWERS, "No-IP")

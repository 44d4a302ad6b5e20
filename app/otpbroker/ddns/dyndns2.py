"""The dyndns2 update protocol (``GET /nic/update?hostname=&myip=`` with Basic auth).

No-IP and Dynu both speak it; each has its own table of documented answers, saying
whether an answer means updated, unchanged, stop (a person must fix something) or wait.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from otpbroker.ddns.web_client import NetworkError, WebClient
from otpbroker.domain.ddns import Outcome, UpdateResult, short_answer

UNKNOWN_RETRY_SECONDS = 600.0

AnswerTable = Mapping[str, tuple[Outcome, str, float | None]]


def basic_auth(username: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic authentication."""
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class DynDns2:
    """One account at a dyndns2 provider."""

    username: str
    password: str
    client: WebClient
    base_url: str
    answers: AnswerTable
    provider: str

    def update(self, record: Mapping[str, object], address: str) -> UpdateResult:
        """Send one update and read the provider's answer."""
        query = urlencode({"hostname": str(record["name"]), "myip": address})
        url = f"{self.base_url.rstrip('/')}/nic/update?{query}"
        headers = {"Authorization": basic_auth(self.username, self.password)}
        try:
            answer = self.client.request("GET", url, headers)
        except NetworkError as error:
            return UpdateResult(Outcome.RETRY, short_answer(str(error)))
        text = answer.text.strip()
        first = text.splitlines()[0].strip() if text else ""
        code = first.split(" ", 1)[0]
        if code in self.answers:
            outcome, meaning, wait = self.answers[code]
            return UpdateResult(outcome, short_answer(f"{first}: {meaning}"), wait)
        if answer.status == 429 or answer.status >= 500:
            wait = answer.retry_after()
            said = f"HTTP {answer.status} from {self.provider}" + (f": {first}" if first else "")
            return UpdateResult(Outcome.RETRY, short_answer(said), wait)
        said = f"unexpected answer from {self.provider} (HTTP {answer.status}): {first or 'empty'}"
        return UpdateResult(Outcome.RETRY, short_answer(said), UNKNOWN_RETRY_SECONDS)

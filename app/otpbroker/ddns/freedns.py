"""FreeDNS (afraid.org): the version 2 update URL ``/u/<token>/?myip=<address>``.

The random token stands for the account and the host names linked to it, so no password
is sent. FreeDNS answers in plain text: ``Updated ...``, ``No IP change detected ...``
or ``ERROR: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from otpbroker.ddns.web_client import NetworkError, WebClient
from otpbroker.domain.ddns import Outcome, UpdateResult, short_answer

DEFAULT_BASE_URL = "https://sync.afraid.org"
FATAL_ERRORS = ("unable to locate", "invalid update url", "not found", "token")
RETRY_SECONDS = 600.0


class FreeDns:
    """One FreeDNS update token."""

    def __init__(self, token: str, client: WebClient, base_url: str = "") -> None:
        self._token = token
        self._client = client
        self._base = (base_url or DEFAULT_BASE_URL).rstrip("/")

    def update(self, record: Mapping[str, object], address: str) -> UpdateResult:
        """Send the update URL with ``address`` and read the answer."""
        url = f"{self._base}/u/{quote(self._token, safe='')}/?{urlencode({'myip': address})}"
        try:
            answer = self._client.request("GET", url)
        except NetworkError as error:
            return UpdateResult(Outcome.RETRY, short_answer(str(error)))
        first = (answer.text.strip().splitlines() or [""])[0].strip()
        lowered = first.lower()
        if answer.status == 200 and lowered.startswith("updated"):
            return UpdateResult(Outcome.UPDATED, short_answer(first))
        if lowered.startswith("no ip change detected") or "has not changed" in lowered:
            return UpdateResult(Outcome.UNCHANGED, short_answer(first))
        if lowered.startswith("error"):
            fatal = any(marker in lowered for marker in FATAL_ERRORS)
            outcome = Outcome.FATAL if fatal else Outcome.RETRY
            return UpdateResult(outcome, short_answer(first), None if fatal else RETRY_SECONDS)
        wait = answer.retry_after() or RETRY_SECONDS
        said = f"unexpected answer from FreeDNS (HTTP {answer.status}): {first or 'empty'}"
        return UpdateResult(Outcome.RETRY, short_answer(said), wait)

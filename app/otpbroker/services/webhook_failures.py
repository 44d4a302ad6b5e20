"""Why a webhook POST failed, and why an event went to the dead letters, in words: kept in
English with the event (logs, dead letters, the status the API reports) and worded again in
the reader's language where the admin shows it."""

from __future__ import annotations

import re

from otpbroker.i18n.translate import N_, _

REFUSED = N_("refused: {detail}")
UNRESOLVED = N_("host not resolved: {detail}")
NETWORK = N_("network error: {detail}")
ANSWERED = N_("answered HTTP {detail}")
BACKLOG_FULL = N_("the webhook's backlog was full ({detail} events)")
TOO_OLD = N_("older than {detail} s")
ATTEMPT_FAILED = N_("{detail} attempt failed")
ATTEMPTS_FAILED = N_("{detail} attempts failed")
WORDINGS = (
    REFUSED, UNRESOLVED, NETWORK, ANSWERED, BACKLOG_FULL, TOO_OLD, ATTEMPTS_FAILED, ATTEMPT_FAILED,
)  # fmt: skip
_PATTERNS = tuple(
    (re.compile(re.escape(w).replace(re.escape("{detail}"), "(?P<detail>.+)"), re.S), w)
    for w in WORDINGS
)


def attempts_failed(count: int) -> str:
    """Why an event was buried after ``count`` failed attempts (English)."""
    return (ATTEMPT_FAILED if count == 1 else ATTEMPTS_FAILED).format(detail=count)


def failure_words(text: str) -> str:
    """A stored failure or burial reason (``network error: timed out``) in the current
    language; other text (an older or unknown one) as it is."""
    for pattern, wording in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return _(wording).format(detail=found.group("detail"))
    return text

"""When a feeder tries a command again: answers meaning "not now, later" and how long to wait.

These answers (HTTP 503 on the REST API) say the command may go through later, so a feeder
keeps the message instead of dropping it:

- ``1101`` no modem available: tried again after the feeder's own schedule of delays;
- ``1108`` every candidate SIM reached a quota: tried again after ``data.retry_after``
  seconds when the reply gives it (bounded), else after the schedule;
- ``1112`` the device is stopping (nothing was sent): the feeder is stopping too, so the
  message goes back to its broker (requeued, or left unacknowledged) for the next run;
- ``1113`` another device of the fleet claimed the message id and has not sent it yet:
  tried again after ``data.retry_after`` seconds (it ends as a duplicate once that device
  sent it, or is sent here once its claim ended unsent).

Other 503 answers (``1210`` not configured) are final: trying again cannot help.
"""

from __future__ import annotations

from dataclasses import dataclass

from otpbroker.services.replies import Code, Reply

RETRY_LATER_CODES = (Code.NO_MODEM, Code.QUOTA_REACHED, Code.STOPPING, Code.CLAIMED_ELSEWHERE)


def retry_later(reply: Reply) -> bool:
    """True when ``reply`` says the command may go through if tried again later."""
    return reply.code in RETRY_LATER_CODES


def retry_after(reply: Reply) -> float | None:
    """The reply's ``data.retry_after`` (seconds), when it is a positive number."""
    value = (reply.data or {}).get("retry_after")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


@dataclass(frozen=True)
class RetryPolicy:
    """How a feeder waits before trying a "later" command again, and how often.

    ``delays[i]`` is the wait before try ``i + 2`` (the last one repeats); ``limit`` the
    number of tries after the first (None: no limit, until the answer changes, e.g. to
    ``expired``); a ``retry_after`` is kept within ``bounds``.
    """

    delays: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0, 30.0)
    limit: int | None = 5
    bounds: tuple[float, float] = (0.1, 300.0)

    def delay(self, reply: Reply, attempt: int) -> float | None:
        """Seconds to wait before try ``attempt + 2`` of a command answered ``reply``;
        None when it is final (not a "later" answer, or the tries are used up)."""
        if not retry_later(reply) or (self.limit is not None and attempt >= self.limit):
            return None
        asked = retry_after(reply)
        if asked is not None:
            low, high = self.bounds
            return min(max(asked, low), high)
        return self.delays[min(attempt, len(self.delays) - 1)]

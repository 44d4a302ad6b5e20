"""A command sink for feeder tests: records each command with its delivery terms and answers
as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms
from otpbroker.services.replies import Code, Reply


@dataclass(frozen=True)
class Call:
    """One command the sink ran."""

    id: Any
    msisdn: Any
    terms: DeliveryTerms
    at: float  # time.monotonic()
    wall: float  # time.time()


Answer = Callable[[Any, int], Reply | None]
"""(command id, how many times this id was run, this run included) -> reply, None: OK."""


class RecordingSink:
    """Records every command; answers ``answer(id, count)``, else ``0000``."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.calls: list[Call] = []
        self._answer = answer
        self._lock = threading.Lock()

    def handle(self, payload: Any, *, source: str, user: str | None = None,
               terms: DeliveryTerms = NO_TERMS) -> Reply:  # fmt: skip
        data = payload.get("data") if isinstance(payload, dict) else None
        data = data if isinstance(data, dict) else {}
        with self._lock:
            self.calls.append(Call(data.get("id"), data.get("msisdn"), terms,
                                   time.monotonic(), time.time()))  # fmt: skip
            count = sum(1 for call in self.calls if call.id == data.get("id"))
        reply = self._answer(data.get("id"), count) if self._answer else None
        return reply or Reply(str(payload.get("command")), Code.OK, "sent", {"id": data.get("id")})

    def order_key(self, payload: Any) -> str | None:
        data = payload.get("data") if isinstance(payload, dict) else None
        number = data.get("msisdn") if isinstance(data, dict) else None
        return number if isinstance(number, str) else None

    def ids(self) -> list[Any]:
        with self._lock:
            return [call.id for call in self.calls]

    def of(self, message_id: Any) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.id == message_id]


def quota_twice(message_id: Any, retry_after: float = 0.2) -> Answer:
    """Answer ``1108`` with ``data.retry_after`` to the first two runs of ``message_id``."""

    def answer(seen: Any, count: int) -> Reply | None:
        if seen == message_id and count <= 2:
            data = {"id": seen, "retry_after": retry_after}
            return Reply("send-sms", Code.QUOTA_REACHED, "every SIM reached its quota", data)
        return None

    return answer

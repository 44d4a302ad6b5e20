"""Which queues a device consumes now, and how many messages it takes from each at once.

A *route class* is a set of recipient prefixes (usually one operator) published to a queue
of its own (``feeders.rabbitmq.route_classes``). A device consumes a class queue only while
it has a modem that the prefix routing (``domain/routing.py``) would give such a number to:
an eligible modem holding the longest prefix that covers the class (or a longer one inside
it), a default modem, or, on a device whose modems have no prefixes and no default, any
eligible modem (``class_modems``). Each queue's
window (its prefetch) is the number of those modems times ``per_modem``, at least 1 and at
most ``cap``. A class with no such modem is not served: the feeder cancels its consumer
(other devices take its messages) and consumes again when a modem is back.

Pure: the modems' snapshot (``ModemRoute``) comes in, the plan goes out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.domain.msisdn import normalize_prefix
from otpbroker.domain.ports import Settings
from otpbroker.domain.routing import ModemRoute

CLASS_TEXT = re.compile(
    r"(?P<name>[A-Za-z0-9_-]{1,32});(?P<queue>[A-Za-z0-9._:/-]{1,200});"
    r"(?P<priority>-?[0-9]{1,3});(?P<prefixes>\+?[0-9]{1,15}(?: +\+?[0-9]{1,15}){0,49})"
)
"""One class as the setting writes it: ``name;queue;consumer priority;prefix prefix``."""
PRIORITY_BOUND = 100


@dataclass(frozen=True)
class RouteClass:
    """A prefix class and the queue its messages are published to."""

    name: str
    queue: str
    priority: int
    """The consumer priority (``x-priority``) of this device on that queue: RabbitMQ gives
    a message to the highest-priority consumer that has room (favour the cheapest SIMs)."""
    prefixes: tuple[str, ...]


@dataclass(frozen=True)
class QueueWindow:
    """A queue to consume now, with its prefetch and consumer priority."""

    queue: str
    prefetch: int
    priority: int | None = None


def parse_class(text: str) -> RouteClass:
    """One ``name;queue;priority;prefixes`` item (ValueError saying what is wrong)."""
    found = CLASS_TEXT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"route class {text[:80]!r} is not name;queue;priority;prefix[ prefix...]")
    priority = int(found["priority"])
    if abs(priority) > PRIORITY_BOUND:
        raise ValueError(f"route class {found['name']!r}: priority {priority} is outside"
                         f" -{PRIORITY_BOUND}..{PRIORITY_BOUND}")  # fmt: skip
    prefixes = tuple(dict.fromkeys(found["prefixes"].split()))
    return RouteClass(found["name"], found["queue"], priority, prefixes)


def parse_classes(items: Iterable[str]) -> list[RouteClass]:
    """Every item parsed; names and queues must be unique (ValueError otherwise)."""
    classes = [parse_class(item) for item in items]
    for field in ("name", "queue"):
        values = [getattr(c, field) for c in classes]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"route classes: {field} {repeated[0]!r} is used twice")
    return classes


def class_modems(
    route_class: RouteClass, modems: Sequence[ModemRoute], country_code: str
) -> set[str]:
    """The ids of the eligible modems the prefix routing gives numbers of the class to.

    For each class prefix: the holders of the longest prefix that covers it (routing's
    first tier), the modems holding a longer prefix inside it (part of the class) and the
    default modems. Routing's last rule (no prefix matches and no default modem: any
    eligible modem) counts only on a device where no eligible modem has a prefix or is a
    default one; otherwise a device would take every class on modems meant for others.
    """
    eligible = [m for m in modems if m.eligible()]
    held = {m.id: _prefixes(m.prefixes, country_code) for m in eligible}
    if not any(m.default or held[m.id] for m in eligible):
        return {m.id for m in eligible}
    found = {m.id for m in eligible if m.default}
    for prefix in _prefixes(route_class.prefixes, country_code):
        covering = [q for own in held.values() for q in own if prefix.startswith(q)]
        best = max(covering, key=len, default="")
        found.update(i for i, own in held.items() if best and best in own)
        found.update(i for i, own in held.items() if any(q.startswith(prefix) for q in own))
    return found


def _prefixes(raw: Iterable[str], country_code: str) -> frozenset[str]:
    """``raw`` in MSISDN form, the unparseable ones left out (as routing does)."""
    cleaned = set()
    for text in raw:
        try:
            cleaned.add(normalize_prefix(text, country_code))
        except InvalidNumberError:
            continue
    return frozenset(cleaned)


def window(modems: int, per_modem: int, cap: int) -> int:
    """The prefetch for ``modems`` able modems: ``modems * per_modem`` within 1..``cap``."""
    return max(1, min(cap, modems * max(1, per_modem)))


def consumption_plan(
    main_queue: str,
    classes: Sequence[RouteClass],
    modems: Sequence[ModemRoute],
    country_code: str,
    *,
    per_modem: int = 1,
    cap: int = 10,
    main_priority: int | None = None,
) -> list[QueueWindow]:
    """The queues to consume now: the main queue always (window from every eligible
    modem), then each class that has a modem for it (window from those modems)."""
    able = sum(1 for m in modems if m.eligible())
    plan = [QueueWindow(main_queue, window(able, per_modem, cap), main_priority)]
    for route_class in classes:
        count = len(class_modems(route_class, modems, country_code))
        if count and route_class.queue != main_queue:
            plan.append(
                QueueWindow(route_class.queue, window(count, per_modem, cap), route_class.priority)
            )
    return plan


class ConsumptionPlanner:
    """The use case the feeders ask: which queues to consume now, each with its window."""

    def __init__(self, routes: Callable[[], list[ModemRoute]], settings: Settings) -> None:
        """``routes``: every modem as routing sees it now (``SmsService.routes``)."""
        self._routes = routes
        self._settings = settings

    def plan(
        self,
        main_queue: str,
        classes: Sequence[RouteClass],
        *,
        per_modem: int = 1,
        cap: int = 10,
        main_priority: int | None = None,
    ) -> list[QueueWindow]:
        """``consumption_plan`` for the modems as they are now."""
        country = str(self._settings.get("device.country_code") or "62")
        return consumption_plan(main_queue, classes, self._routes(), country,
                                per_modem=per_modem, cap=cap,
                                main_priority=main_priority)  # fmt: skip


__all__ = [
    "CLASS_TEXT",
    "ConsumptionPlanner",
    "QueueWindow",
    "RouteClass",
    "class_modems",
    "consumption_plan",
    "parse_class",
    "parse_classes",
    "window",
]

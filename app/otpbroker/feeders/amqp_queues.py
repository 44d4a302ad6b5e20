"""Declaring the RabbitMQ queues the feeder consumes: type, delivery limit, dead-lettering.

``queue_type`` ``classic`` (the default, what earlier versions declared) or ``quorum``
(replicated, for several devices consuming one queue). Both are durable. A quorum queue is
declared with ``x-queue-type: quorum`` and, when ``delivery_limit`` is above 0,
``x-delivery-limit``: a message delivered more often than that (each requeue and each
delivery lost with a connection counts) is dead-lettered instead of looping. With
``dead_letter_exchange`` set, either type gets ``x-dead-letter-exchange`` (and
``x-dead-letter-routing-key`` when ``dead_letter_routing_key`` is set): a malformed message
(rejected without requeue) and one past its delivery limit go there. Without one, RabbitMQ
drops them. RabbitMQ 3.10 quorum queues have no message priorities (``x-max-priority`` is
for classic queues only); consumer priorities (``x-priority``) work on both.

A queue that already exists with other arguments (declared by someone else, by a policy-less
older set-up, or with another type) is refused by RabbitMQ (``406 PRECONDITION_FAILED``).
The feeder then looks it up passively and uses it as it is, and says so: the notice names
the queue, the argument that differs (the type first: "it is a classic queue, the settings
ask for quorum") and that the settings' arguments are not applied. The notice is shown in
the feeder's status and logged once per feeder, never redeclared in a loop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import ChannelClosedByBroker

log = logging.getLogger(__name__)

_VALUE = re.compile(r"the value '?([^' ]+)'?")
_DIFFERENT = re.compile(
    r"inequivalent arg '(?P<arg>[^']+)'.*?received (?P<wanted>.+?) but current is (?P<now>.+)$"
)


def queue_arguments(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``x-`` arguments a queue is declared with (empty: a plain classic queue)."""
    arguments: dict[str, Any] = {}
    if str(settings.get("queue_type") or "classic") == "quorum":
        arguments["x-queue-type"] = "quorum"
        limit = int(settings.get("delivery_limit") or 0)
        if limit > 0:
            arguments["x-delivery-limit"] = limit
    exchange = str(settings.get("dead_letter_exchange") or "")
    if exchange:
        arguments["x-dead-letter-exchange"] = exchange
        key = str(settings.get("dead_letter_routing_key") or "")
        if key:
            arguments["x-dead-letter-routing-key"] = key
    return arguments


def mismatch_notice(queue: str, reply_text: str) -> str:
    """Plain words for RabbitMQ's ``406`` on a declaration (the queue is used as it is)."""
    found = _DIFFERENT.search(reply_text)
    if found is None:
        what = f"exists with other arguments ({reply_text[:200]})"
    elif found["arg"] == "x-queue-type":
        now, wanted = _plain(found["now"], "classic"), _plain(found["wanted"], "classic")
        what = f"is a {now} queue but the settings ask for {wanted}"
    else:
        now, wanted = _plain(found["now"], "none"), _plain(found["wanted"], "none")
        what = f"exists with {found['arg']} {now}, the settings ask for {wanted}"
    return f"queue {queue!r} {what}; it is used as it is, the settings' arguments are not applied"


def _plain(text: str, absent: str) -> str:
    """The value in RabbitMQ's ``the value 'quorum' of type 'longstr'`` (``none``: absent)."""
    found = _VALUE.search(text)
    return found[1] if found else (absent if text.strip() == "none" else text.strip()[:60])


def declare(
    connection: BlockingConnection, channel: BlockingChannel, queue: str,
    arguments: Mapping[str, Any],
) -> tuple[BlockingChannel, str | None]:  # fmt: skip
    """Declare ``queue`` durable with ``arguments`` on ``channel``.

    Returns the channel to use (a new one when RabbitMQ closed the first on a mismatch) and
    the mismatch notice (None when the queue is as the settings ask).
    """
    try:
        channel.queue_declare(queue, durable=True, arguments=dict(arguments) or None)
        return channel, None
    except ChannelClosedByBroker as exc:
        if exc.reply_code != 406:  # PRECONDITION_FAILED: it exists with other arguments
            raise
        notice = mismatch_notice(queue, str(exc.reply_text))
    channel = connection.channel()
    channel.queue_declare(queue, passive=True)
    return channel, notice


__all__ = ["declare", "mismatch_notice", "queue_arguments"]

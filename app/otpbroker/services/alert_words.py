"""A route's reason as an alert's wording: the sentences the device gave with it.

A modem's route says why it is out of routing in English (``ModemRoute.reason_text``: the
logs and ``/metrics`` read it) and, where the device worded it itself (no SMS path, the SIM's
advice, a sending cap), as sentences to translate (``reason_words``). An alert carries those
as messages, so it is shown in the reader's language; any other reason (a recovery step, a
modem error) stays as the modem layer words it.
"""

from __future__ import annotations

from otpbroker.domain.routing import ModemRoute, Words
from otpbroker.services.alerts import Wording


def _sentence(words: Words) -> Wording:
    values: dict[str, str | Wording] = {name: str(value) for name, value in words.values}
    values.update((name, Wording(message)) for name, message in words.messages)
    return Wording.of(words.message, **values)


def route_wording(route: ModemRoute) -> Wording:
    """Why ``route`` is out of routing, as a wording (its English is ``reason_text``)."""
    if not route.reason_words:
        return Wording.plain(route.reason_text)
    first, *rest = route.reason_words
    reason = _sentence(first)
    for words in rest:  # joined as ``shown_reason`` joins them
        reason = Wording.of("{reason}" + words.before + "{more}", reason=reason,
                            more=_sentence(words))  # fmt: skip
    return reason


__all__ = ["route_wording"]

"""The modem layer's reasons, worded again as the domain's own messages for alerts.

A modem's route says why it is out of routing in English (``ModemRoute.reason_text``: the
logs and ``/metrics`` read it). The reasons about its SIM (``domain.sim_state``) and its SMS
path (``domain.sms_path``) are built from marked messages, so an alert can carry them as
messages and be shown in the reader's language. Any other reason (a recovery step, a modem
error) stays as the modem layer words it.
"""

from __future__ import annotations

import re
from functools import cache

from otpbroker.domain.sim_state import MIN_PIN_TRIES, SIM_STATES
from otpbroker.domain.sms_path import REASONS, ROAMING_NOTE, WEAK_NOTE
from otpbroker.i18n.translate import N_
from otpbroker.services.alerts import Wording

NO_SMS_PATH = "no SMS path: "
NO_SMS_PATH_REASON = N_("no SMS path: {reason}")
PIN_TRIES = "PIN tries left: {count}."  # marked where ``sim_state`` words it
_TRIES = re.compile(r"(?P<advice>.+) PIN tries left: (?P<count>\d+)\.")


@cache
def _sim_advice() -> dict[str, Wording]:
    """The SIM advice by its English text."""
    return {
        message.format(min=MIN_PIN_TRIES): Wording.of(message, min=str(MIN_PIN_TRIES))
        for message in SIM_STATES.values()
    }


@cache
def _path_parts() -> dict[str, Wording]:
    """The SMS-path reasons and notes by their English text."""
    return {message: Wording(message) for message in (*REASONS.values(), ROAMING_NOTE, WEAK_NOTE)}


def reason_wording(text: str) -> Wording:
    """``text`` (a route's English reason) as the messages it was made of; a reason not
    made of them as it is."""
    advice = _sim_advice()
    if text in advice:
        return advice[text]
    tries = _TRIES.fullmatch(text)
    if tries and tries["advice"] in advice:
        count = Wording.of(PIN_TRIES, count=tries["count"])
        return Wording.of("{advice} {tries}", advice=advice[tries["advice"]], tries=count)
    if text.startswith(NO_SMS_PATH):
        found = [_path_parts().get(part) for part in text[len(NO_SMS_PATH) :].split("; ")]
        parts = [part for part in found if part is not None]
        if parts and len(parts) == len(found):
            reason = parts[0]
            for part in parts[1:]:
                reason = Wording.of("{reason}; {note}", reason=reason, note=part)
            return Wording.of(NO_SMS_PATH_REASON, reason=reason)
    return Wording.plain(text)


__all__ = ["reason_wording"]

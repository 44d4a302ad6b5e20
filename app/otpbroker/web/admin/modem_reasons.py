"""Why a modem cannot send, and what to do about its SIM, in the reader's language.

The modem layer words these in English for the logs and the CLI (``domain.sms_path``,
``domain.sim_state``); the modems page says the same from the stable codes, so each
English text here is the domain's own (``tests/i18n`` checks that they stay the same).
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.sim_state import MIN_PIN_TRIES, PIN_STATES
from otpbroker.domain.sms_path import SmsPath
from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import N_, _

#: ``domain.sms_path.REASONS``: the reason of each verdict code.
SMS_PATH_REASONS: dict[str, str] = {
    "cs": N_("registered on 2G/3G: circuit-switched SMS"),
    "sgs": N_("registered on LTE: SMS over SGs"),
    "ims": N_("registered on LTE: SMS over IMS"),
    "ps": N_("registered for packet data only: SMS over GPRS"),
    "ps_unknown": N_(
        "registered for packet data only; the modem does not say whether SMS may go over GPRS"
    ),
    "lte_only": N_(
        "registered on LTE only, and this network/firmware offers no SMS over LTE (no SMS "
        "over SGs, no IMS)"
    ),
    "lte_ims_off": N_(
        "registered on LTE only; the network offers no SMS over SGs and IMS is switched off "
        "in the modem"
    ),
    "lte_unknown": N_("registered on LTE; the modem does not report its SMS domain"),
    "denied": N_("not registered: the network denied registration to this SIM"),
    "searching": N_("not registered: searching for a network"),
    "no_network": N_("not registered: no network"),
    "unknown": N_("the modem does not report its registration"),
}
ROAMING = N_("roaming (SMS may cost more, and the operator may refuse it)")
WEAK = N_("the signal is weak")

#: ``domain.sim_state.SIM_STATES``: what to do about a SIM in each state.
SIM_ADVICE: dict[str, str] = {
    "pin_required": N_(
        "The SIM asks for its PIN and none is configured: type it in the SIM PIN field of the "
        "modem form (it is entered once), or switch the PIN lock off in a phone."
    ),
    "pin_rejected": N_(
        "The SIM refused the configured PIN and it will not be tried again: check the PIN in "
        "a phone, then type the right one in the modem form (after putting in another SIM "
        "with the same PIN, deactivate and activate the modem instead)."
    ),
    "pin_unconfirmed": N_(
        "The modem did not confirm the configured PIN (no answer, or an error without a "
        "reason), so it may have cost a try and will not be entered again: check the SIM and "
        "its PIN in a phone, then deactivate and activate the modem, or type another PIN in "
        "the modem form."
    ),
    "pin_low_tries": N_(
        "The SIM has fewer than {min} PIN tries left, so the device does not risk the last "
        "one: put the SIM in a phone, unlock it there with the right PIN (or its PUK), then "
        "put it back."
    ),
    "puk_required": N_(
        "The SIM is blocked and needs its PUK (from the operator, usually on the SIM's card): "
        "unlock it in a phone. The device never sends a PUK."
    ),
    "no_sim": N_("No SIM card: switch the modem off, insert a SIM, plug it in again."),
    "sim_error": N_("The SIM is in a state the device does not handle: check it in a phone."),
}


def sms_path_reason(verdict: Any) -> str:
    """The verdict's reason (``SmsPathVerdict``) with roaming and a weak signal noted."""
    if verdict.code not in SMS_PATH_REASONS:
        return str(verdict.reason)
    parts = [_(SMS_PATH_REASONS[verdict.code])]
    if verdict.roaming and verdict.path is not SmsPath.NONE:
        parts.append(_(ROAMING))
    if verdict.weak_signal:
        parts.append(_(WEAK))
    return "; ".join(parts)


def sim_advice(state: str, tries_left: int | None = None) -> str:
    """What to do about a SIM in ``state`` ("" for a state that needs nothing)."""
    if state not in SIM_ADVICE:
        return ""
    text = _(SIM_ADVICE[state]).format(min=MIN_PIN_TRIES)
    if tries_left is not None and state in PIN_STATES:
        text += " " + _("PIN tries left: {count}.").format(count=tries_left)
    return text


def self_test_summary(result: Any) -> str:
    """One line about a self-test (``services.self_test.SelfTestResult``)."""
    if result.state == "back":
        return _("back after {seconds} s (token {token})").format(
            seconds=format_number(round(result.round_trip or 0.0, 1)), token=result.token
        )
    if result.state == "not-back":
        return _("not back after {seconds} s (token {token})").format(
            seconds=format_number(result.wait_seconds), token=result.token
        )
    if result.state == "failed":
        return _("not sent: {reason}").format(reason=result.error)
    return _("waiting for token {token} (up to {seconds} s)").format(
        token=result.token, seconds=format_number(result.wait_seconds)
    )


__all__ = [
    "SIM_ADVICE", "SMS_PATH_REASONS", "self_test_summary", "sim_advice", "sms_path_reason",
]  # fmt: skip

"""SIM PIN safety and what the administrator should do for every SIM state.

A SIM allows three wrong PINs, then wants its PUK; ten wrong PUKs destroy it. So the device
enters a configured PIN only while at least ``MIN_PIN_TRIES`` tries are left (when the modem
tells; a modem that does not gets the PIN once), never enters a PIN the SIM rejected again,
and never sends a PUK: those are the owner's, with a phone in hand.
"""

from __future__ import annotations

from otpbroker.i18n.translate import N_, _

MIN_PIN_TRIES = 2
PIN_STATES = ("pin_required", "pin_rejected", "pin_unconfirmed", "pin_low_tries")
"""The states whose advice ends with the PIN tries left, when the modem tells them."""

#: Modem states about the SIM, and what to do about each.
SIM_STATES: dict[str, str] = {
    "pin_required": N_(
        "The SIM asks for its PIN and none is configured: type it in the SIM PIN "
        "field of the modem form (it is entered once), or switch the PIN lock off in a phone."
    ),
    "pin_rejected": N_(
        "The SIM refused the configured PIN and it will not be tried again: check "
        "the PIN in a phone, then type the right one in the modem form (after putting in another "
        "SIM with the same PIN, deactivate and activate the modem instead)."
    ),
    "pin_unconfirmed": N_(
        "The modem did not confirm the configured PIN (no answer, or an error "
        "without a reason), so it may have cost a try and will not be entered again: check the "
        "SIM and its PIN in a phone, then deactivate and activate the modem, or type another PIN "
        "in the modem form."
    ),
    "pin_low_tries": N_(
        "The SIM has fewer than {min} PIN tries left, so the device does not risk "
        "the last one: put the SIM in a phone, unlock it there with the right PIN (or its PUK), "
        "then put it back."
    ),
    "puk_required": N_(
        "The SIM is blocked and needs its PUK (from the operator, usually on the "
        "SIM's card): unlock it in a phone. The device never sends a PUK."
    ),
    "no_sim": N_("No SIM card: switch the modem off, insert a SIM, plug it in again."),
    "sim_error": N_("The SIM is in a state the device does not handle: check it in a phone."),
}


def may_enter_pin(tries_left: int | None) -> bool:
    """True when a PIN may be entered: the tries are unknown, or at least ``MIN_PIN_TRIES``."""
    return tries_left is None or tries_left >= MIN_PIN_TRIES


def sim_advice(state: str, tries_left: int | None = None) -> str:
    """What to do about a SIM in ``state``, in the current language (empty for a state that
    needs nothing)."""
    if state not in SIM_STATES:
        return ""
    text = _(SIM_STATES[state]).format(min=MIN_PIN_TRIES)
    if tries_left is not None and state in PIN_STATES:
        text += " " + _("PIN tries left: {count}.").format(count=tries_left)
    return text


__all__ = ["MIN_PIN_TRIES", "PIN_STATES", "SIM_STATES", "may_enter_pin", "sim_advice"]

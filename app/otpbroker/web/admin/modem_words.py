"""The short status words the modem and home pages show, in the reader's language.

The modem layer and the services report machine values (``ready``, ``no_sms_path``,
``low``); the English page shows them as they are, so each is its own message id, and
``word`` gives the translation of a known one (an unknown value is shown unchanged).
"""

from __future__ import annotations

from otpbroker.i18n.translate import N_
from otpbroker.web.admin.monitor_words import FEEDER_STATES, OUTCOMES, SEVERITIES, worded

#: A modem's state (``domain.modem_states.MODEM_STATES``), and "starting"/"not running".
MODEM_STATES = {
    "ready": N_("ready"),
    "connecting": N_("connecting"),
    "disconnected": N_("disconnected"),
    "recovering": N_("recovering"),
    "dead": N_("dead"),
    "pin_required": N_("pin_required"),
    "pin_rejected": N_("pin_rejected"),
    "pin_unconfirmed": N_("pin_unconfirmed"),
    "pin_low_tries": N_("pin_low_tries"),
    "puk_required": N_("puk_required"),
    "no_sim": N_("no_sim"),
    "sim_error": N_("sim_error"),
    "stopped": N_("stopped"),
    "unplugged": N_("unplugged"),
    "starting": N_("starting"),
    "not running": N_("not running"),
}
#: Why a modem is out of routing (``domain.routing.OUT_OF_ROUTING``).
ROUTING_REASONS = {
    "inactive": N_("inactive"),
    "disconnected": N_("disconnected"),
    "unplugged": N_("unplugged"),
    "recovering": N_("recovering"),
    "dead": N_("dead"),
    "sim_locked": N_("sim_locked"),
    "no_sim": N_("no_sim"),
    "no_sms_path": N_("no_sms_path"),
    "sim_account": N_("sim_account"),
    "configuration": N_("configuration"),
    "quota": N_("quota"),
}
#: The way an SMS leaves a modem (``domain.sms_path.SmsPath``); cs/sgs/ims/ps are names.
SMS_PATHS = {"none": N_("none"), "unknown": N_("unknown")}
#: A SIM's last balance check (``services.balance_watch.BalanceResult.state``).
BALANCE_STATES = {
    "ok": N_("ok"),
    "low": N_("low"),
    "expired": N_("expired"),
    "unparsed": N_("unparsed"),
    "error": N_("error"),
}
#: A self-test (``services.self_test.SelfTestResult.state``).
SELF_TEST_STATES = {
    "waiting": N_("waiting"),
    "back": N_("back"),
    "not-back": N_("not-back"),
    "failed": N_("failed"),
}
#: A message id's state in the fleet's shared ledger (sent and unknown are outcomes above).
LEDGER_STATES = {"sending": N_("sending")}

WORDS: dict[str, str] = {
    **MODEM_STATES, **ROUTING_REASONS, **SMS_PATHS, **BALANCE_STATES, **SELF_TEST_STATES,
    **OUTCOMES, **FEEDER_STATES, **SEVERITIES, **LEDGER_STATES,
}  # fmt: skip


def word(value: object) -> str:
    """``value`` (a state, reason or outcome) in the current language; unknown ones as is."""
    return worded(WORDS, value)


__all__ = ["WORDS", "word"]

"""Why a modem cannot send, what to do about its SIM, a self-test, in the reader's language.

The modem layer keeps a verdict's reason in English (logs, metrics); the modems page words
it again from the stable code with the domain's own messages (``domain.sms_path``), in the
language of the page. The SIM advice is the domain's, which speaks the current language.
"""

from __future__ import annotations

from typing import Any

from otpbroker.domain.sim_state import sim_advice
from otpbroker.domain.sms_path import REASONS, ROAMING_NOTE, WEAK_NOTE, SmsPath
from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import _


def sms_path_reason(verdict: Any) -> str:
    """The verdict's reason (``SmsPathVerdict``) with roaming and a weak signal noted."""
    if verdict.code not in REASONS:
        return str(verdict.reason)
    parts = [_(REASONS[verdict.code])]
    if verdict.roaming and verdict.path is not SmsPath.NONE:
        parts.append(_(ROAMING_NOTE))
    if verdict.weak_signal:
        parts.append(_(WEAK_NOTE))
    return "; ".join(parts)


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


__all__ = ["self_test_summary", "sim_advice", "sms_path_reason"]

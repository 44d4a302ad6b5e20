"""The SMS-path verdict from a modem's registration readings (domain/sms_path.py)."""

from __future__ import annotations

import pytest

from otpbroker.domain.sms_path import REASON_CODES, SmsPath, SmsPathReadings, diagnose


@pytest.mark.parametrize(
    ("readings", "path", "code"),
    [
        (SmsPathReadings(cs=1), SmsPath.CS, "cs"),
        (SmsPathReadings(cs=1, rat="WCDMA", eps=4), SmsPath.CS, "cs"),
        (SmsPathReadings(cs=1, eps=1), SmsPath.SGS, "sgs"),  # combined attach on LTE
        (SmsPathReadings(cs=1, cs_act=7), SmsPath.SGS, "sgs"),
        (SmsPathReadings(cs=6, eps=1), SmsPath.SGS, "sgs"),  # "SMS only"
        (SmsPathReadings(cs=1, rat="LTE"), SmsPath.SGS, "sgs"),
        (SmsPathReadings(cs=0, eps=1, ims=True), SmsPath.IMS, "ims"),
        (SmsPathReadings(cs=0, eps=1, ims=False, ims_enabled=True), SmsPath.NONE, "lte_only"),
        (SmsPathReadings(cs=0, eps=1), SmsPath.NONE, "lte_only"),
        (SmsPathReadings(cs=0, eps=1, ims_enabled=False), SmsPath.NONE, "lte_ims_off"),
        (SmsPathReadings(eps=1), SmsPath.UNKNOWN, "lte_unknown"),  # +CREG refused
        (SmsPathReadings(cs=0, ps=1, cgsms=2), SmsPath.PS, "ps"),
        (SmsPathReadings(cs=0, ps=1, cgsms=1), SmsPath.NONE, "no_network"),
        (SmsPathReadings(cs=0, ps=1), SmsPath.UNKNOWN, "ps_unknown"),
        (SmsPathReadings(cs=2, ps=2), SmsPath.NONE, "searching"),
        (SmsPathReadings(cs=3), SmsPath.NONE, "denied"),
        (SmsPathReadings(cs=0, ps=0, eps=0), SmsPath.NONE, "no_network"),
        (SmsPathReadings(cs=4), SmsPath.NONE, "no_network"),
        (SmsPathReadings(), SmsPath.UNKNOWN, "unknown"),
        (SmsPathReadings(rssi=20), SmsPath.UNKNOWN, "unknown"),
        # vendor domain readings (Huawei ^SYSINFOEX, ZTE +ZPAS) stand in for +CREG
        (SmsPathReadings(cs_service=True, rat="WCDMA"), SmsPath.CS, "cs"),
        (SmsPathReadings(cs_service=False, rat="NONE"), SmsPath.NONE, "no_network"),
    ],
)
def test_readings_give_a_path_and_a_reason(readings, path, code):
    verdict = diagnose(readings)
    assert (verdict.path, verdict.code) == (path, code)
    assert code in REASON_CODES and verdict.reason


def test_availability_is_yes_no_or_unknown():
    assert diagnose(SmsPathReadings(cs=1)).available is True
    assert diagnose(SmsPathReadings(cs=0, eps=1)).available is False
    assert diagnose(SmsPathReadings()).available is None


def test_the_lte_only_reason_says_it_in_plain_words():
    verdict = diagnose(SmsPathReadings(cs=0, eps=1))
    assert "LTE only" in verdict.reason and "no SMS over LTE" in verdict.reason


def test_roaming_and_weak_signal_are_noted_without_taking_the_path_away():
    verdict = diagnose(SmsPathReadings(cs=5, rssi=4))
    assert verdict.available is True and verdict.roaming and verdict.weak_signal
    assert "roaming" in verdict.reason and "weak" in verdict.reason
    home = diagnose(SmsPathReadings(cs=1, rssi=20))
    assert not home.roaming and not home.weak_signal and "roaming" not in home.reason
    unknown_signal = diagnose(SmsPathReadings(cs=1, rssi=99))
    assert not unknown_signal.weak_signal

"""The classes of send errors and what each makes the device do (domain/send_errors.py)."""

from __future__ import annotations

import re

import pytest

from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.domain.send_errors import (
    CMS_ERRORS,
    ErrorClass,
    after_diagnosis,
    classify,
    needs_diagnosis,
    policy,
    reported,
)

N, S, T, C, U = (
    ErrorClass.NUMBER,
    ErrorClass.SIM,
    ErrorClass.TRANSIENT,
    ErrorClass.CONFIGURATION,
    ErrorClass.UNKNOWN,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # the classes the field notes name, TS 24.011 / TS 27.005 values
        ("CMS1", N), ("CMS21", N), ("CMS28", N), ("CMS96", N),
        ("CMS8", S), ("CMS10", S), ("CMS50", S),
        ("CMS38", T), ("CMS41", T), ("CMS42", T), ("CMS47", T), ("CMS331", T), ("CMS332", T),
        ("CMS330", C), ("CMS304", C),
        ("CMS500", U),
        # SMS centre (TS 23.040 TP-FCS), SIM states, manufacturer codes, CME, the driver's own
        ("CMS195", N), ("CMS197", N), ("CMS193", S), ("CMS192", T), ("CMS199", C),
        ("CMS310", S), ("CMS316", S), ("CMS314", T),
        ("CMS512", U), ("CMS77", U), ("CMS999", U),
        ("CME10", S), ("CME14", T), ("CME515", T), ("CME100", U),
        ("NO_PROMPT", T), ("PORT_GONE", T), ("QUEUE_TIMEOUT", T), ("TIMEOUT", U),
        ("ERROR", U), ("SOMETHING_NEW", U), ("cms8", S),
    ],
)  # fmt: skip
def test_codes_fall_into_their_classes(code, expected):
    info = classify(code)
    assert info is not None and info.error_class is expected
    assert info.code == code.upper() and info.text


def test_no_code_means_nothing_failed():
    assert classify(None) is None and classify("") is None


@pytest.mark.parametrize(
    ("error_class", "fail_over", "hold"),
    [
        (N, False, None),
        (S, True, "sim_account"),
        (T, True, None),
        (C, True, "configuration"),
        (U, True, None),
        (ErrorClass.NO_SMS_PATH, True, None),
    ],
)
def test_each_class_has_its_policy(error_class, fail_over, hold):
    rule = policy(error_class)
    assert (rule.fail_over, rule.hold) == (fail_over, hold)
    assert rule.diagnose is (error_class is U)


def test_unknown_errors_call_for_a_diagnosis_and_nothing_else_does():
    assert needs_diagnosis("CMS500") and needs_diagnosis("TIMEOUT") and needs_diagnosis("CMS512")
    assert not needs_diagnosis("CMS8") and not needs_diagnosis("NO_PROMPT")
    assert not needs_diagnosis(None)


def test_an_unknown_error_resolves_by_the_diagnosis():
    info = classify("CMS500")
    assert info is not None
    assert after_diagnosis(info, PathCheck.NO_PATH).error_class is ErrorClass.NO_SMS_PATH
    assert after_diagnosis(info, PathCheck.HAS_PATH).error_class is T
    assert after_diagnosis(info, PathCheck.NOT_CHECKED).error_class is T  # try again later
    barred = classify("CMS8")
    assert barred is not None and after_diagnosis(barred, PathCheck.NO_PATH) is barred


@pytest.mark.parametrize("code", ["TIMEOUT", "CMS500", "CMS8", "CMS331", "CMS1", "PORT_GONE"])
def test_an_unknown_outcome_is_reported_as_unknown_whatever_the_code(code):
    info = classify(code)
    assert info is not None
    assert reported(info, SendOutcome.UNKNOWN).error_class is U  # never "retry later"
    assert reported(info, SendOutcome.UNKNOWN).text == info.text
    assert reported(info, SendOutcome.FAILED) is info


def test_sim_and_configuration_errors_say_what_to_do():
    smsc = classify("CMS330")
    assert smsc is not None and "SMS center" in smsc.advice
    credit = classify("CMS50")
    assert credit is not None and "credit" in credit.advice
    for code in ("CMS10", "CMS193", "CMS310", "CME13"):
        info = classify(code)
        assert info is not None and info.advice, code


def test_texts_never_carry_numbers():
    for value, (_cls, text) in CMS_ERRORS.items():
        assert re.search(r"\d{3,}", text) is None, (value, text)

"""``otp-broker modem-check`` on emulated modems: SMS path, PIN tries, classified errors."""

from __future__ import annotations

import argparse
import json

from matrix_rigs import profile_of

from otpbroker.modem import check


def run_check(capsys, port: str, **options: object) -> tuple[int, dict]:
    args = argparse.Namespace(port=port, baud=115200, pin=None, send_to=None,
                              text="OTP Broker test message", ussd=None, timeout=10.0)  # fmt: skip
    for key, value in options.items():
        setattr(args, key, value)
    code = check.run(args)
    return code, json.loads(capsys.readouterr().out)


def test_a_ready_modem_reports_its_sms_path_and_sends(make_sim, capsys):
    sim = make_sim(**profile_of("quectel-ec25", conditions=("roaming",)))
    code, report = run_check(capsys, sim.port, send_to="+628126666666")
    assert code == 0 and report["state"] == "ready" and report["routable"]
    assert report["vendor"] == "quectel"
    path = report["sms_path"]
    assert path["path"] == "sgs" and path["available"] and path["roaming"]
    assert report["sim"] == {"state": "ready", "pin_tries_left": None, "advice": ""}
    assert report["sms"]["outcome"] == "sent" and report["sms"]["error_class"] is None


def test_lte_without_sms_is_reported_in_plain_words(make_sim, capsys):
    sim = make_sim(**profile_of("simcom-sim7600", conditions=("lte-no-sms:0",)))
    code, report = run_check(capsys, sim.port)
    assert code == 1 and report["state"] == "ready" and not report["routable"]
    assert report["sms_path"]["available"] is False and report["sms_path"]["code"] == "lte_only"
    assert report["out_of_routing"]["reason"] == "no_sms_path"
    assert "LTE only" in report["out_of_routing"]["text"]


def test_a_pin_with_one_try_left_is_not_entered_and_the_advice_says_why(make_sim, capsys):
    sim = make_sim(**profile_of("huawei-e3131", conditions=("pin:1",)))
    code, report = run_check(capsys, sim.port, pin="1234")
    assert code == 1 and report["state"] == "pin_low_tries"
    assert report["sim"]["pin_tries_left"] == 1 and "phone" in report["sim"]["advice"]
    assert sim.dialogue.state.card.pin_tries == 1


def test_a_failed_send_is_classified(make_sim, capsys):
    sim = make_sim(**profile_of("zte-mf667", conditions=("no-credit",)))
    code, report = run_check(capsys, sim.port, send_to="+628126666666")
    assert code == 0 and report["sms"]["outcome"] == "failed"
    error = report["sms"]["error_class"]
    assert error["code"] == "CMS50" and error["class"] == "sim" and "credit" in error["advice"]

"""The emulator replays each operator's balance reply: ``modem-sim --balance`` and the
profile helper, each shape read back by its preset after the modem's own coding."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest
from waiting import wait_until

from otpbroker.domain.balance_rules import PRESETS, parse
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.balance_replies import balance_reply
from otpbroker.modem.sim.command import _overrides, register
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser


def test_balance_option_answers_the_operators_code_in_its_shape() -> None:
    args = _parser().parse_args(["modem-sim", "--balance", "xl:7500:2027-01-31",
                                 "--balance", "smartfren:100:2027-02-01"])  # fmt: skip
    ussd = _overrides(args)["ussd"]
    assert "*888#" in ussd  # the default answers stay
    assert parse(ussd["*123#"].text, "xl").balance == 7500
    assert ussd["*999#"].style == "ucs2"  # Smartfren answers in UCS2
    assert parse(ussd["*999#"].text, "smartfren").until == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("spec", "words"),
    [("simpati:1:2027-01-01", "unknown operator"), ("xl:lots:2027-01-01", "OPERATOR:AMOUNT"),
     ("xl:1:2027-13-01", "month"), ("xl:1", "OPERATOR:AMOUNT")],
)  # fmt: skip
def test_bad_balance_option_is_refused(
    spec: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parser().parse_args(["modem-sim", "--balance", spec])
    assert stopped.value.code == 2 and words in capsys.readouterr().err


@pytest.mark.parametrize("operator", sorted(PRESETS))
@pytest.mark.parametrize("personality", ["generic", "quectel-ec25", "huawei-e3131"])
def test_each_operator_reply_survives_each_modem_coding(
    operator: str, personality: str, tmp_path: Path
) -> None:
    code, reply = balance_reply(f"{operator}:987654:2027-03-04")
    sim = SimModem(ModemProfile(personality=personality, ussd={code: reply}),
                   link_dir=tmp_path).start()  # fmt: skip
    worker = ModemWorker("b0", SerialSettings(port=sim.port),
                         ModemOptions(prompt_timeout=2.0, result_timeout=3.0,
                                      command_timeout=2.0), reconnect_delays=(0.2, 0.5))  # fmt: skip
    worker.start()
    try:
        assert wait_until(lambda: worker.status.connected, 15), worker.status
        text = worker.submit_ussd(code).result(30)
        assert text == reply.text
        result = parse(text, operator)
        assert (result.balance, result.until) == (987654, date(2027, 3, 4))
    finally:
        worker.stop()
        sim.stop()

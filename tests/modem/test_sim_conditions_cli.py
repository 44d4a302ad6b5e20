"""``otp-broker modem-sim`` with profiles and conditions: a profile mix, conditions per modem
through the control socket, and precise refusals of bad input (exit 2, nothing started)."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest
from test_sim_pty import _cli_command, control

from otpbroker.modem.sim import ModemBank
from otpbroker.modem.sim.command import _overrides, register


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "e3372"], "unknown modem profile 'e3372' (known: generic, huawei-e3131"),
        (["--profile", "generic,,quectel-ec25"], "unknown modem profile ''"),
        (["--condition", "pin:x"], "condition pin:TRIES wants a whole number from 1 to 9"),
        (["--condition", "4g"], "unknown condition '4g'"),
        (["--condition", "2g", "--condition", "3g"], "conditions 2g and 3g cannot be combined"),
        (
            ["--profile", "quectel-ec25,huawei-e3131", "--condition", "lte-sgs"],
            "condition lte-sgs needs LTE, but huawei-e3131 has only GSM, UMTS",
        ),
        (["--fault", "explode"], "unknown fault 'explode'"),
        (["--fault", "wedge:3"], "fault wedge takes no parameter"),
        (["--fault", "stuck:x"], "fault stuck:CODE wants a whole number from 1 to 511"),
        (["--fault", "hang:1"], "fault hang takes no parameter"),
        (
            ["--profile", "generic,simcom-sim800", "--condition", "lte-ims"],
            "condition lte-ims needs LTE, but simcom-sim800 has only GSM",
        ),
        (["--count", "0"], "--count must be at least 1"),
        (["--delay", "-1"], "argument --delay: '-1' must be between 0 and 3600 seconds"),
        (["--ussd-delay", "soon"], "argument --ussd-delay: 'soon' is not a number of seconds"),
        (["--prompt-delay", "nan"], "argument --prompt-delay: 'nan' must be between 0 and 3600"),
    ],
)
def test_bad_input_is_refused_and_nothing_starts(args, message, tmp_path: Path) -> None:
    links, deliveries, sock = tmp_path / "by-id", tmp_path / "d.jsonl", tmp_path / "ctl.sock"
    argv = [*_cli_command(), f"--link-dir={links}", f"--deliveries={deliveries}"]
    result = subprocess.run(
        [*argv, f"--control={sock}", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    assert message in result.stderr
    assert result.stdout == ""
    assert not links.exists() and not deliveries.exists() and not sock.exists()


def test_profile_mix_conditions_and_status_through_the_control_socket(tmp_path: Path) -> None:
    sock = tmp_path / "ctl.sock"
    bank = ModemBank(
        4,
        personalities=("quectel-ec25", "huawei-e3131"),
        seed=3,
        control_path=sock,
        conditions=("roaming",),
    )
    with bank:
        (listing,) = control(sock, {"action": "modems"})
        rows = listing["modems"]
        assert [row["profile"] for row in rows] == ["quectel-ec25", "huawei-e3131"] * 2
        assert all(row["conditions"] == ["roaming"] for row in rows)
        assert bank[1].profile.manufacturer == "huawei" and bank[0].profile.model == "EC25"
        changed, refused, bad = control(
            sock,
            {"modem": 0, "action": "condition", "set": "lte-no-sms:5,pin:2"},
            {"modem": 1, "action": "condition", "set": "lte-no-sms"},
            {"modem": 1, "action": "condition", "set": 7},
        )
        assert changed["ok"] is True
        assert changed["modem"]["conditions"] == ["lte-no-sms:5", "pin:2"]
        assert refused == {
            "ok": False,
            "error": "condition lte-no-sms needs LTE, but huawei-e3131 has only GSM, UMTS",
        }
        assert bad["ok"] is False and "condition needs" in bad["error"]
        assert bank[1].conditions == ["roaming"]  # unchanged
        assert bank[0].dialogue.state.card.pin_tries == 2
        (cleared,) = control(sock, {"modem": 0, "action": "condition", "set": ""})
        assert cleared["modem"]["conditions"] == []


def test_delay_options_set_the_profile_timing() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["modem-sim", "--delay", "0.5", "--prompt-delay", "0"])
    fields = _overrides(args)
    assert fields["send_delay"] == 0.5 and fields["send_delay_range"] is None
    assert fields["prompt_delay"] == 0
    realistic = _overrides(parser.parse_args(["modem-sim"]))
    assert realistic["prompt_delay"] > 0 and realistic["send_delay_range"] == (1.0, 6.0)

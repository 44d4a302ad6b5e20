"""The pppd peers file and chat script renderers, checked with the real pppd option parser."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from otpbroker.modem.sim import SimModem
from otpbroker.system import render_ppp
from otpbroker.system.render_ppp import (
    APN_PRESETS,
    PppLink,
    link_from_record,
    link_name,
    render_chat,
    render_peer,
)

PPPD = shutil.which("pppd") or "/usr/sbin/pppd"
EXIT_OPTION_ERROR = 2
EXIT_NO_KERNEL_SUPPORT = 4

RECORD = {
    "id": "0a1b2c3d4e5f6789",
    "port": "/dev/ttyUSB2",
    "data_port": "",
    "baud_rate": 115200,
    "apn": "3data",
    "apn_username": "3data",
    "apn_password": "3data",
    "dial_number": "*99#",
    "dial_command": "ATD",
    "init_dial_1": "AT+CFUN=1",
    "init_dial_2": "",
    "init_dial_3": "AT+SYSCFG=2,2,3FFFFFFF,1,2",
    "init_dial_4": "",
    "init_dial_5": "",
}


def link(**changes: object) -> PppLink:
    values: dict[str, object] = {
        "name": "ppp-test",
        "device": "/dev/ttyUSB0",
        "speed": 115200,
        "apn": "internet",
        "username": "",
        "password": "",
        "dial_number": "*99#",
        "dial_command": "ATD",
        "init": (),
    }
    values.update(changes)
    return PppLink(**values)  # type: ignore[arg-type]


def pppd_parse(tmp_path, text: str) -> subprocess.CompletedProcess[str]:
    """Let the real pppd parse ``text`` as an options file (dry run, stops before dialling)."""
    if os.geteuid() != 0:
        pytest.skip("pppd reads options files only as root")
    options = tmp_path / "peer"
    options.write_text(text)
    return subprocess.run(
        [PPPD, "file", str(options), "dryrun", "nodetach"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def test_link_name_is_a_valid_interface_and_file_name():
    assert link_name("0a1b2c3d4e5f6789") == "ppp-0a1b2c3d4e5"
    odd = link_name("Modem One/../x")
    assert odd.startswith("ppp-") and len(odd) == 15
    assert odd == link_name("Modem One/../x")
    assert odd != link_name("Modem Two")
    with pytest.raises(ValueError, match="non-empty"):
        link_name("")


def test_record_gives_link_with_init_strings_in_order_and_sms_port_as_default():
    result = link_from_record(RECORD)
    assert result.name == "ppp-0a1b2c3d4e5"
    assert result.device == "/dev/ttyUSB2"
    assert result.init == ("AT+CFUN=1", "AT+SYSCFG=2,2,3FFFFFFF,1,2")
    assert link_from_record({**RECORD, "data_port": "/dev/ttyUSB0"}).device == "/dev/ttyUSB0"


def test_peer_file_has_the_options_and_credentials(tmp_path):
    text = render_peer(link_from_record(RECORD))
    lines = text.splitlines()
    assert lines[1:3] == ["/dev/ttyUSB2", "115200"]
    assert 'connect "/usr/sbin/chat -v -f /etc/chatscripts/ppp-0a1b2c3d4e5"' in lines
    for option in ("defaultroute", "usepeerdns", "noauth", "ifname ppp-0a1b2c3d4e5",
                   "logfile /run/otp-broker/ppp-0a1b2c3d4e5.log"):  # fmt: skip
        assert option in lines
    assert not {"persist", "holdoff", "maxfail"} & {line.split()[0] for line in lines}, (
        "pppd must end with the link: the app redials with a back-off"
    )
    assert "replacedefaultroute" not in text
    assert 'user "3data"' in lines and 'password "3data"' in lines
    assert "user" not in render_peer(link(username="", password=""))


def test_real_pppd_accepts_the_peer_file(tmp_path):
    with SimModem() as modem:
        rendered = render_peer(
            link(device=modem.path, username="a b#c", password="p w#d;$"), log_dir=str(tmp_path)
        )
        proc = pppd_parse(tmp_path, rendered)
    # The options parsed; pppd then stops because this machine has no /dev/ppp (or, with
    # kernel support, after printing the options in dry-run mode).
    assert proc.returncode in (0, EXIT_NO_KERNEL_SUPPORT), proc.stderr
    assert "unrecognized" not in proc.stderr and "warning" not in proc.stderr


def test_real_pppd_would_notice_a_broken_file(tmp_path):
    """The check above can fail: a quote inside a value breaks pppd's parsing."""
    with SimModem() as modem:
        rendered = render_peer(link(device=modem.path, username="a", password="p"),
                               log_dir=str(tmp_path))  # fmt: skip
        broken = rendered.replace('password "p"', 'password "p" x"\nbogus')
        proc = pppd_parse(tmp_path, broken)
    assert proc.returncode == EXIT_OPTION_ERROR


def test_chat_script_sequence():
    text = render_chat(link(init=("AT+CFUN=1", "AT+CGATT=1"), dial_number="*99***1#"))
    lines = text.splitlines()
    assert lines[1:6] == [f"ABORT '{w}'" for w in render_ppp.ABORTS]
    body = [line for line in lines if not line.startswith(("#", "ABORT", "TIMEOUT"))]
    assert body == [
        "'' 'AT'",
        "OK 'ATE0'",
        "OK 'AT+CFUN=1'",
        "OK 'AT+CGATT=1'",
        'OK \'AT+CGDCONT=1,"IP","internet"\'',
        "OK 'ATD*99***1#'",
        "CONNECT '\\c'",
    ]
    assert "CGDCONT" not in render_chat(link(apn=""))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("device", "/dev/tty USB0", "Serial device"),
        ("device", "dev/ttyUSB0", "Serial device"),
        ("device", "/dev/../etc/shadow", "Serial device"),
        ("speed", 12345, "Serial speed"),
        ("speed", True, "Serial speed"),
        ("apn", 'internet"\nABORT', "APN"),
        ("apn", "a b", "APN"),
        ("username", 'x\n"connect /bin/sh', "printable ASCII"),
        ("username", 'a"b', "must not contain"),
        ("password", "a\\b", "must not contain"),
        ("password", "a'b", "must not contain"),
        ("password", "x" * 65, "at most 64"),
        ("dial_number", "", "Dial number"),
        ("dial_number", "*99#\nOK", "Dial number"),
        ("dial_command", "ATD'", "Dial command"),
        ("dial_command", "XTD", "Dial command"),
        ("init", ("AT'\nOK 'AT",), "Init command 1"),
        ("init", ("ATZ", "AT\\c"), "Init command 2"),
        ("init", ("AT^C",), "must not contain"),
        ("init", ("ABORT",), "Init command 1"),
        ("init", ["ATZ"], "tuple"),
        ("name", "PPP0", "Link name"),
        ("name", "ppp-0123456789ab", "Link name"),
    ],
)
def test_bad_values_are_refused_with_a_precise_message(field, value, message):
    with pytest.raises(ValueError, match=message):
        link(**{field: value})


def test_password_without_user_is_refused():
    with pytest.raises(ValueError, match="user name is empty"):
        link(username="", password="secret")


def test_presets_match_the_spec_and_render():
    by_name = {p.operator: p for p in APN_PRESETS}
    assert (by_name["Smartfren"].apn, by_name["Smartfren"].dial_number) == ("smartfren4g", "*99#")
    assert (by_name["Axis"].apn, by_name["Axis"].username, by_name["Axis"].password) == (
        "axis",
        "axis",
        "123456",
    )
    assert by_name["Indosat Ooredoo"].apn == "indosatgprs"
    for preset in APN_PRESETS:
        rendered = link(
            apn=preset.apn,
            username=preset.username,
            password=preset.password,
            dial_number=preset.dial_number,
        )
        assert f"ATD{preset.dial_number}" in render_chat(rendered)
    assert render_ppp.preset("XL").apn == "internet"
    with pytest.raises(ValueError, match="Unknown APN preset"):
        render_ppp.preset("Nope")


def test_preset_keys_are_unique_form_values():
    keys = [p.key for p in APN_PRESETS]
    assert keys == ["telkomsel", "xl", "three", "smartfren", "indosat", "axis"]

"""pppd's exit statuses and log lines in words (``system/ppp_errors.py``), and the link
status naming the last failure from pppd's log."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from otpbroker.system.ppp_errors import EXIT_MEANINGS, explain_exit, explain_log
from otpbroker.system.ppp_status import LOG_TAIL_BYTES, link_status

PPPD = shutil.which("pppd") or "/usr/sbin/pppd"

# Lines as pppd 2.4.9 writes them to its logfile (notice level, no debug).
AUTH_FAILED_LOG = """\
Serial connection established.
Using interface ppp-t1
Connect: ppp-t1 <--> /dev/pts/7
PAP authentication failed
Connection terminated.
"""
UP_LOG = """\
Connect: ppp-t1 <--> /dev/pts/7
local  IP address 10.64.64.2
remote IP address 10.64.64.1
primary   DNS address 10.64.64.53
"""
ECHO_LOG = "No response to 4 echo-requests\nSerial link appears to be disconnected.\n"


def test_exit_statuses_have_words():
    assert explain_exit(None) is None
    assert explain_exit(19) == (
        "authentication failed: the operator refused the APN user name or password"
    )
    assert "kernel has no PPP support" in str(explain_exit(4))
    assert explain_exit(99) == "pppd ended with status 99"
    assert set(range(20)) <= set(EXIT_MEANINGS)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (AUTH_FAILED_LOG, EXIT_MEANINGS[19]),
        (AUTH_FAILED_LOG.replace("PAP", "CHAP"), EXIT_MEANINGS[19]),
        ("Connect script failed\n", EXIT_MEANINGS[8]),
        (ECHO_LOG, EXIT_MEANINGS[15]),
        (UP_LOG, None),
        (AUTH_FAILED_LOG + UP_LOG, None),  # it came up after the failure
        (UP_LOG + ECHO_LOG, EXIT_MEANINGS[15]),
        ("", None),
    ],
)
def test_the_last_failure_in_the_log_is_named(log, expected):
    assert explain_log(log) == expected


def test_link_status_names_the_problem_from_the_log_tail(tmp_path: Path):
    log = tmp_path / "ppp.log"
    log.write_text(AUTH_FAILED_LOG)
    status = link_status("ppp-t1", sys_class_net=str(tmp_path), run_dir=str(tmp_path),
                         log_file=str(log))  # fmt: skip
    assert status["problem"] == EXIT_MEANINGS[19]
    log.write_text("x" * (2 * LOG_TAIL_BYTES) + "\n" + ECHO_LOG)
    assert (
        link_status("ppp-t1", sys_class_net=str(tmp_path), log_file=str(log))["problem"]
        == (EXIT_MEANINGS[15])
    )
    missing = link_status("ppp-t1", sys_class_net=str(tmp_path), log_file=str(tmp_path / "no"))
    assert missing["problem"] is None


def test_a_real_pppd_refusing_its_options_is_explained():
    if not os.path.exists(PPPD):
        pytest.fail("pppd is not installed (apt-get install ppp)")
    if os.geteuid() != 0:
        pytest.skip("pppd checks its options as root only")
    done = subprocess.run([PPPD, "nodetach", "no-such-option"], capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert explain_exit(done.returncode) == "pppd options are wrong"

"""Running systemctl, the revert timer and the ppp link commands."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from otpbroker.privileged.environment import PPPD, SYSTEMD_RUN, HelperEnvironment
from otpbroker.privileged.tools import run_tool

COMMAND_TIMEOUT = 90.0


def _run(argv: list[str], env: HelperEnvironment, what: str) -> None:
    """One systemctl, systemd-run or ppp command; ValueError with its message."""
    run_tool(argv, env, what, COMMAND_TIMEOUT)


def control(env: HelperEnvironment, action: str, service: str) -> None:
    """``systemctl ACTION SERVICE``; ValueError with systemctl's message when it fails."""
    _run([env.systemctl, action, f"{service}.service"], env, f"{action} of {service}")


def timer_unit(token: str) -> str:
    """The transient systemd unit that reverts pending change ``token``."""
    return f"otpb-revert-{token}"


def schedule_revert(env: HelperEnvironment, token: str, seconds: float) -> int | None:
    """Revert change ``token`` after ``seconds`` even if the app dies; the pid in tests."""
    command = [*env.helper_command(), "revert", "--if-token", token]
    if env.testing:
        process = subprocess.Popen(
            [*command, "--delay", f"{seconds:.3f}"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env.tool_environ(),
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        return process.pid
    _run(
        [SYSTEMD_RUN, f"--unit={timer_unit(token)}", f"--on-active={max(1, round(seconds))}s",
         "--timer-property=AccuracySec=1s", "--description=Revert unconfirmed network change",
         "--", *command],
        env, "scheduling the automatic revert",
    )  # fmt: skip
    return None


def cancel_revert(env: HelperEnvironment, token: str, pid: int | None) -> None:
    """Stop the revert timer of change ``token`` (nothing when it already ran)."""
    if env.testing:
        if pid is None or pid == os.getpid():
            return
        cmdline = Path(f"/proc/{pid}/cmdline")
        with contextlib.suppress(OSError):
            if token.encode() in cmdline.read_bytes():
                os.kill(pid, signal.SIGTERM)
        return
    with contextlib.suppress(ValueError):
        _run([env.systemctl, "stop", f"{timer_unit(token)}.timer"], env, "stopping the timer")


def ppp(env: HelperEnvironment, action: str, name: str) -> None:
    """Start (``up``) or stop (``down``) the pppd link of peer ``name``.

    On a device pppd runs as the transient unit ``otpb-ppp-NAME`` (``pppd call NAME
    nodetach``): outside the app's sandbox and cgroup, so restarting the app keeps the link.
    Stopping a link that is not running is not an error.
    """
    if env.pppctl:
        _run([env.pppctl, action, name], env, f"ppp {action} {name}")
        return
    if env.testing:
        raise ValueError("under a test root OTPB_HELPER_PPPCTL must name the ppp stand-in")
    unit = f"otpb-ppp-{name}"
    if action == "up":
        argv = [SYSTEMD_RUN, f"--unit={unit}", "--collect",
                f"--description=OTP Broker mobile internet {name}",
                "--", PPPD, "call", name, "nodetach"]  # fmt: skip
        _run(argv, env, f"ppp up {name}")
        return
    try:
        _run([env.systemctl, "stop", f"{unit}.service"], env, f"ppp down {name}")
    except ValueError as exc:
        if "not loaded" not in str(exc):
            raise

"""Command line of the helper: one JSON object on stdout; errors exit 1 with ``{"error"}``.

    apply [--confirm-within SECONDS] TARGET...
    confirm TOKEN
    revert [--if-token TOKEN] [--delay SECONDS] [--no-restart]
    pending
    ppp up|down NAME
    usb-reset USB_PATH
    usb-modeswitch USB_PATH

The app sends the same command lines over the helper's socket (``otpb-helper --connection``,
started by systemd for each connection); root callers may run the program directly.
``revert``'s options are for the revert timer (``--if-token``, ``--delay``) and the boot-time
unit (``--no-restart``: the services have not started yet).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from otpbroker.privileged import connection, usb
from otpbroker.privileged.environment import HelperEnvironment
from otpbroker.privileged.operations import Operations

CONNECTION_OPTION = "--connection"
USAGE = (
    "usage: otpb-helper apply [--confirm-within SECONDS] TARGET... | confirm TOKEN | "
    "revert | pending | ppp up|down NAME | usb-reset USB_PATH | usb-modeswitch USB_PATH"
)


def _seconds(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{option} needs a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{option} needs a positive number of seconds, got {text!r}")
    return value


def _options(
    args: list[str], flags: set[str], valued: set[str]
) -> tuple[dict[str, str], list[str]]:
    """Leading ``--option [value]`` words, then the remaining arguments."""
    found: dict[str, str] = {}
    while args and args[0].startswith("--"):
        option = args.pop(0)
        if option in flags:
            found[option] = ""
        elif option in valued:
            if not args:
                raise ValueError(f"{option} needs a value")
            found[option] = args.pop(0)
        else:
            raise ValueError(f"unknown option {option!r}")
    return found, args


def _dispatch(ops: Operations, argv: list[str]) -> Callable[[], dict[str, Any]]:
    """The operation ``argv`` asks for (ValueError for a malformed command line)."""
    if not argv:
        raise ValueError(USAGE)
    command, args = argv[0], list(argv[1:])
    if command == "apply":
        options, names = _options(args, set(), {"--confirm-within"})
        within = options.get("--confirm-within")
        seconds = None if within is None else _seconds(within, "--confirm-within")
        return lambda: ops.apply(names, seconds)
    if command == "confirm" and len(args) == 1:
        return lambda: ops.confirm(args[0])
    if command == "revert":
        options, rest = _options(args, {"--no-restart"}, {"--if-token", "--delay"})
        if rest:
            raise ValueError(f"revert takes no arguments, got {rest[0]!r}")
        delay = _seconds(options.get("--delay", "0"), "--delay")
        if delay:
            time.sleep(delay)  # the revert timer under a test root; before taking the lock
        return lambda: ops.revert(options.get("--if-token"), "--no-restart" not in options)
    if command == "pending" and not args:
        return ops.pending
    if command == "ppp" and len(args) == 2:
        return lambda: ops.ppp(args[0], args[1])
    if command in ("usb-reset", "usb-modeswitch") and len(args) == 1:
        usb_path = usb.check_path(args[0])
        run = usb.reset if command == "usb-reset" else usb.switch_mode
        return lambda: run(ops.env, usb_path)
    raise ValueError(USAGE)


def _locked(ops: Operations, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one operation at a time (a revert timer may fire during an apply)."""
    directory = ops.state.ensure()
    fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return run()
    finally:
        os.close(fd)


def execute(args: list[str]) -> tuple[int, dict[str, Any]]:
    """Run one helper command: 0 and its JSON result, or 1 and ``{"error": message}``."""
    try:
        env = HelperEnvironment.from_environ(os.environ)
        if not env.testing and os.geteuid() != 0:
            raise ValueError("otpb-helper must run as root (started by otpb-helper.socket)")
        os.umask(0o022)
        ops = Operations(env)
        return 0, _locked(ops, _dispatch(ops, args))
    except (ValueError, OSError) as exc:
        return 1, {"error": str(exc)}
    except Exception as exc:  # the caller needs a JSON answer, always
        return 1, {"error": f"internal error: {type(exc).__name__}: {exc}"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one helper command; print its JSON result; 0 on success, 1 on error.

    ``--connection`` (the socket-activated unit's only argument) reads the command from the
    connection on standard input instead and answers there (:mod:`connection`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == [CONNECTION_OPTION]:
        return connection.serve(execute)
    code, result = execute(args)
    print(json.dumps(result))
    return code

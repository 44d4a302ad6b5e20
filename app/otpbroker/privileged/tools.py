"""Run one program for the helper: an argument list (no shell), a time-out, output captured."""

from __future__ import annotations

import subprocess

from otpbroker.privileged.environment import HelperEnvironment


def run_tool(argv: list[str], env: HelperEnvironment, what: str, timeout: float) -> str:
    """Run ``argv`` in the helper's minimal environment; its output, spaces collapsed.

    ValueError naming ``what`` when the program is not installed, gives no answer within
    ``timeout`` seconds, or exits non-zero (then with the end of its messages).
    """
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env.tool_environ(),
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise ValueError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"{what}: no answer within {timeout:.0f} s") from None
    output = " ".join(f"{done.stdout} {done.stderr}".split())
    if done.returncode != 0:
        raise ValueError(f"{what} failed (exit {done.returncode}): {output[-400:] or 'no message'}")
    return output

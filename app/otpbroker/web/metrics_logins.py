"""``/metrics`` lines of the login throttle: failed logins and refused attempts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from otpbroker.web.metrics import label


class LoginReadings(Protocol):
    """The login throttle's counters (``services.login_throttle.LoginThrottle``)."""

    def failures(self) -> dict[str, int]:
        """Failed logins by realm."""
        ...

    def refusals(self) -> dict[tuple[str, str], int]:
        """Attempts refused without a check, by (realm, scope)."""
        ...


def login_lines(failures: Mapping[str, int], refusals: Mapping[tuple[str, str], int]) -> list[str]:
    """Counters of failed logins by realm (``api``, ``admin``) and of attempts refused while
    an address or a user name had to wait, by realm and scope (``address``, ``user``)."""
    lines = [
        "# HELP otpbroker_login_failures_total Failed logins (wrong or unknown user name, "
        "wrong password), by realm.",
        "# TYPE otpbroker_login_failures_total counter",
    ]
    for realm, count in sorted(failures.items()):
        lines.append(f'otpbroker_login_failures_total{{realm="{label(realm)}"}} {count}')
    lines += [
        "# HELP otpbroker_login_refusals_total Login attempts refused unchecked (429) while "
        "their address or user name had to wait, by realm and scope.",
        "# TYPE otpbroker_login_refusals_total counter",
    ]
    for (realm, scope), count in sorted(refusals.items()):
        lines.append(
            f'otpbroker_login_refusals_total{{realm="{label(realm)}",scope="{label(scope)}"}} '
            f"{count}"
        )
    return lines

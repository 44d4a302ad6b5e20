"""Why a mobile internet link is down, in words: pppd's exit status and log lines.

pppd(8) "EXIT STATUS" lists the numbers; its log (``logfile`` or syslog) names the cause
of a failed attempt while pppd keeps redialling (``persist``), when there is no exit status.
"""

from __future__ import annotations

EXIT_MEANINGS: dict[int, str] = {
    0: "pppd ended normally",
    1: "pppd could not start (fatal error)",
    2: "pppd options are wrong",
    3: "pppd is not running as root",
    4: "the kernel has no PPP support",
    5: "pppd was stopped (signal)",
    6: "the serial port is locked by another process",
    7: "the serial port could not be opened",
    8: "the connect script failed: the modem did not answer CONNECT (APN, SIM or signal)",
    9: "the pty command could not run",
    10: "PPP negotiation failed: no IP address agreed",
    11: "the operator did not authenticate itself",
    12: "the link was idle and closed",
    13: "the link reached its connect-time limit",
    14: "callback was negotiated",
    15: "the operator stopped answering (LCP echo requests unanswered)",
    16: "the modem hung up (carrier lost)",
    17: "the link looped back (the modem echoes: not in data mode)",
    18: "the init script failed",
    19: "authentication failed: the operator refused the APN user name or password",
}
"""pppd exit statuses, as pppd(8) lists them, in the admin's words."""

LOG_CAUSES: tuple[tuple[str, str], ...] = (
    ("PAP authentication failed", EXIT_MEANINGS[19]),
    ("CHAP authentication failed", EXIT_MEANINGS[19]),
    ("Failed to authenticate ourselves to peer", EXIT_MEANINGS[19]),
    ("Connect script failed", EXIT_MEANINGS[8]),
    ("echo-requests", EXIT_MEANINGS[15]),
    ("Modem hangup", EXIT_MEANINGS[16]),
    ("LCP: timeout sending Config-Requests", "no PPP answer from the modem (is it in data mode?)"),
    ("Serial line is looped back", EXIT_MEANINGS[17]),
    ("is locked by pid", EXIT_MEANINGS[6]),
)
"""Log lines that name why an attempt failed, and their meaning."""

LINK_UP_MARK = "local  IP address"
"""pppd logs this when the link gets its address: what came before no longer applies."""


def explain_exit(status: int | None) -> str | None:
    """The meaning of pppd's exit ``status`` (``None`` while it runs)."""
    if status is None:
        return None
    return EXIT_MEANINGS.get(status, f"pppd ended with status {status}")


def explain_log(text: str) -> str | None:
    """Why the last attempt logged in ``text`` failed; ``None`` when it did not (or the link
    came up after the last failure)."""
    cause: str | None = None
    for line in text.splitlines():
        if LINK_UP_MARK in line:
            cause = None
            continue
        for mark, meaning in LOG_CAUSES:
            if mark in line:
                cause = meaning
                break
    return cause

"""The state of a mobile internet link, read from the OS: interface, address, bytes, pppd.

pppd is started with ``ifname NAME`` and ``linkname NAME`` (see ``render_ppp``), so the
interface is ``NAME`` and pppd's pid file is ``/run/ppp-NAME.pid``. Paths are injectable
for tests; nothing here raises for a missing source: it answers ``None`` instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import netifaces

from .ppp_errors import explain_log

SYS_CLASS_NET = "/sys/class/net"
RUN_DIR = "/run"
PROC = "/proc"
IFF_UP = 0x1
LOG_TAIL_BYTES = 16384
"""How much of the end of pppd's log is read to find why the last attempt failed."""
RUNNING_STATES = ("up", "unknown")
"""Operational states of a working link (ppp interfaces report ``unknown``)."""


def ipv4_addresses(interface: str) -> list[str]:
    """The IPv4 addresses of ``interface`` (empty when it has none or does not exist)."""
    try:
        entries = netifaces.ifaddresses(interface).get(netifaces.AF_INET, [])
    except ValueError:
        return []
    return [entry["addr"] for entry in entries if entry.get("addr")]


def _read_int(path: Path, base: int = 10) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip(), base)
    except (OSError, ValueError):
        return None


def _operstate(base: Path) -> str | None:
    try:
        return (base / "operstate").read_text(encoding="ascii").strip()
    except OSError:
        return None


def pppd_process(
    name: str, run_dir: str = RUN_DIR, proc: str = PROC, now: Callable[[], float] = time.time
) -> dict[str, Any] | None:
    """``{"pid", "uptime_seconds"}`` of the running pppd of link ``name``, from its pid file
    (``None`` when there is none or the process is gone). The uptime counts from the last
    write of the pid file, which pppd rewrites when the link comes up."""
    pid_file = Path(run_dir) / f"ppp-{name}.pid"
    try:
        first = pid_file.read_text(encoding="ascii").split("\n", 1)[0].strip()
        written = pid_file.stat().st_mtime
    except OSError:
        return None
    if not first.isdigit() or not Path(proc, first).is_dir():
        return None
    return {"pid": int(first), "uptime_seconds": max(0, int(now() - written))}


def link_status(
    name: str,
    *,
    sys_class_net: str = SYS_CLASS_NET,
    run_dir: str = RUN_DIR,
    proc: str = PROC,
    addresses: Callable[[str], list[str]] = ipv4_addresses,
    log_file: str | None = None,
) -> dict[str, Any]:
    """What the admin shows for link ``name``: ``exists``, ``up`` (administratively up
    and operational), ``ipv4`` (list), ``rx_bytes``/``tx_bytes`` (``None`` without the interface)
    and ``pid``/``uptime_seconds`` of pppd (``None`` when it does not run); with pppd's
    ``log_file``, ``problem``: why its last attempt failed, in words (``ppp_errors``)."""
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"Link name {name!r} is not an interface name")
    base = Path(sys_class_net) / name
    exists = base.is_dir()
    flags = _read_int(base / "flags", 16) if exists else None
    up = bool(flags is not None and flags & IFF_UP) and _operstate(base) in RUNNING_STATES
    process = pppd_process(name, run_dir, proc)
    return {
        "name": name,
        "exists": exists,
        "up": up,
        "ipv4": addresses(name) if exists else [],
        "rx_bytes": _read_int(base / "statistics" / "rx_bytes") if exists else None,
        "tx_bytes": _read_int(base / "statistics" / "tx_bytes") if exists else None,
        "pid": process["pid"] if process else None,
        "uptime_seconds": process["uptime_seconds"] if process else None,
        "problem": explain_log(log_tail(log_file)) if log_file else None,
    }


def log_tail(path: str) -> str:
    """The last :data:`LOG_TAIL_BYTES` of ``path`` (empty when it cannot be read)."""
    try:
        with open(path, "rb") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - LOG_TAIL_BYTES))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""

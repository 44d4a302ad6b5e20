"""Server status for the home page, read from the OS: pure functions, paths injectable.

Every reader returns plain data (numbers, strings, lists, dicts) and raises nothing for a
missing or unreadable source: it answers None (or an empty list/dict) instead, which the
page shows as "not available".
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import netifaces

PROC = "/proc"
THERMAL = "/sys/class/thermal"


def _read(path: str | os.PathLike[str]) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def cpu_load(
    loadavg: str | os.PathLike[str] = f"{PROC}/loadavg", cpus: int | None = None
) -> dict[str, Any] | None:
    """``{"load1", "load5", "load15", "cpus"}`` from ``/proc/loadavg`` (os.getloadavg as a
    fallback); ``cpus`` defaults to ``os.cpu_count()``."""
    text = _read(loadavg)
    values: tuple[float, ...] | None = None
    if text is not None:
        with contextlib.suppress(ValueError):
            values = tuple(float(part) for part in text.split()[:3])
    if (values is None or len(values) != 3) and hasattr(os, "getloadavg"):
        try:
            values = os.getloadavg()
        except OSError:
            values = None
    if values is None or len(values) != 3:
        return None
    count = cpus if cpus is not None else (os.cpu_count() or 1)
    return {"load1": values[0], "load5": values[1], "load15": values[2], "cpus": count}


def memory(meminfo: str | os.PathLike[str] = f"{PROC}/meminfo") -> dict[str, Any] | None:
    """RAM and swap in bytes from ``/proc/meminfo``: total, available, used, percent used."""
    text = _read(meminfo)
    if text is None:
        return None
    fields: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            unit = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
            fields[name.strip()] = int(parts[0]) * unit
    total = fields.get("MemTotal")
    if not total:
        return None
    available = fields.get("MemAvailable")
    if available is None:  # kernels before 3.14
        available = sum(fields.get(k, 0) for k in ("MemFree", "Buffers", "Cached"))
    available = min(available, total)
    swap_total = fields.get("SwapTotal", 0)
    swap_used = max(0, swap_total - fields.get("SwapFree", 0))
    return {
        "total": total,
        "available": available,
        "used": total - available,
        "percent": round(100 * (total - available) / total, 1),
        "swap_total": swap_total,
        "swap_used": swap_used,
    }


def disk(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Size, used and free bytes of the file system holding ``path``."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    percent = round(100 * usage.used / usage.total, 1) if usage.total else 0.0
    return {
        "path": str(path),
        "total": usage.total,
        "used": usage.used,
        "free": usage.free,
        "percent": percent,
    }


def temperatures(thermal: str | os.PathLike[str] = THERMAL) -> list[dict[str, Any]]:
    """``[{"zone", "type", "celsius"}]`` of every readable thermal zone (empty: none)."""
    found = []
    for zone in sorted(glob.glob(os.path.join(glob.escape(str(thermal)), "thermal_zone*"))):
        raw = _read(os.path.join(zone, "temp"))
        try:
            millidegrees = int((raw or "").strip())
        except ValueError:
            continue  # missing, or a sensor that answers with an error
        kind = (_read(os.path.join(zone, "type")) or "").strip() or os.path.basename(zone)
        found.append({"zone": os.path.basename(zone), "type": kind, "celsius": millidegrees / 1000})
    return found


def _address_list(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    addresses = []
    for entry in entries:
        address = str(entry.get("addr") or "").split("%", 1)[0]  # drop the IPv6 scope
        if address and address not in addresses:
            addresses.append(address)
    return addresses


def network_addresses(
    interfaces: Callable[[], list[str]] = netifaces.interfaces,
    ifaddresses: Callable[[str], Mapping[int, Sequence[Mapping[str, Any]]]] = netifaces.ifaddresses,
) -> dict[str, dict[str, list[str]]]:
    """``{interface: {"ipv4": [...], "ipv6": [...]}}`` for interfaces with an address."""
    result: dict[str, dict[str, list[str]]] = {}
    try:
        names = list(interfaces())
    except (OSError, ValueError):
        return result
    for name in names:
        try:
            families = ifaddresses(name)
        except (OSError, ValueError):
            continue  # the interface vanished meanwhile
        ipv4 = _address_list(families.get(netifaces.AF_INET, []))
        ipv6 = _address_list(families.get(netifaces.AF_INET6, []))
        if ipv4 or ipv6:
            result[name] = {"ipv4": ipv4, "ipv6": ipv6}
    return result


def machine_uptime(uptime: str | os.PathLike[str] = f"{PROC}/uptime") -> float | None:
    """Seconds since the machine booted, from ``/proc/uptime``."""
    text = _read(uptime)
    try:
        return float((text or "").split()[0])
    except (IndexError, ValueError):
        return None


def server_status(
    data_dir: str | os.PathLike[str],
    *,
    proc: str | os.PathLike[str] = PROC,
    thermal: str | os.PathLike[str] = THERMAL,
    interfaces: Callable[[], list[str]] = netifaces.interfaces,
    ifaddresses: Callable[[str], Mapping[int, Sequence[Mapping[str, Any]]]] = netifaces.ifaddresses,
) -> dict[str, Any]:
    """Everything the home page shows about the machine, in one dict."""
    return {
        "load": cpu_load(os.path.join(proc, "loadavg")),
        "memory": memory(os.path.join(proc, "meminfo")),
        "disk": disk(data_dir),
        "temperatures": temperatures(thermal),
        "addresses": network_addresses(interfaces, ifaddresses),
        "uptime": machine_uptime(os.path.join(proc, "uptime")),
    }


class MachineStatus:
    """The readings of this machine, with the disk of ``data_dir`` (the ``ServerReadings`` port
    of the home page)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self._data_dir = data_dir

    def server_status(self) -> dict[str, Any]:
        """Everything the home page shows about the machine, read now."""
        return server_status(self._data_dir)


def own_addresses() -> Iterator[str]:
    """Every IPv4 and IPv6 address of the device's interfaces (a webhook may not point at
    them)."""
    for families in network_addresses().values():
        yield from families.get("ipv4", [])
        yield from families.get("ipv6", [])


__all__ = [
    "MachineStatus",
    "cpu_load",
    "disk",
    "machine_uptime",
    "memory",
    "network_addresses",
    "own_addresses",
    "server_status",
    "temperatures",
]

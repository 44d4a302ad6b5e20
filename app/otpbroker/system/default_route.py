"""Which devices hold an IPv4 default route, read from the kernel's route table file."""

from __future__ import annotations

from pathlib import Path

ROUTE_TABLE = Path("/proc/net/route")
RTF_UP = 0x1


def route_devices(text: str) -> list[str]:
    """The devices of the up default routes in ``/proc/net/route`` text, in table order
    (ValueError when the text is not that table)."""
    lines = text.splitlines()
    if not lines or not lines[0].split()[:1] == ["Iface"]:
        raise ValueError("not a route table (no Iface header)")
    header = lines[0].split()
    try:
        where = {name: header.index(name) for name in ("Iface", "Destination", "Flags", "Mask")}
    except ValueError:
        raise ValueError("route table header lacks a column") from None
    devices: list[str] = []
    for line in lines[1:]:
        cells = line.split()
        if len(cells) < len(header):
            continue
        default = cells[where["Destination"]] == "00000000" and cells[where["Mask"]] == "00000000"
        if default and int(cells[where["Flags"]], 16) & RTF_UP:
            name = cells[where["Iface"]]
            if name not in devices:
                devices.append(name)
    return devices


class DefaultRouteReader:
    """Reads the route table (``/proc/net/route``: the device's own network namespace)."""

    def __init__(self, table: str | Path = ROUTE_TABLE) -> None:
        """``table``: the file to read (``/proc/<pid>/net/route`` reads another process's
        network namespace)."""
        self._table = Path(table)

    def devices(self) -> list[str]:
        """Names of the devices with an IPv4 default route; OSError when unreadable."""
        text = self._table.read_text(encoding="ascii", errors="replace")
        try:
            return route_devices(text)
        except ValueError as exc:
            raise OSError(f"{self._table}: {exc}") from None


__all__ = ["ROUTE_TABLE", "DefaultRouteReader", "route_devices"]

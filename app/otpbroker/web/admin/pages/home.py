"""Home: active alerts, activity charts, service status (modems, feeders, counts) and server
status at a glance.

The server status (load, memory, disk, temperature, addresses, machine uptime) comes from
``context.server.server_status()``; a failing reader never breaks the page.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import bottle

from otpbroker.web.admin.charts import chart_section, window_of
from otpbroker.web.admin.feeder_names import LABELS as FEEDER_LABELS
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

log = logging.getLogger(__name__)
NOT_AVAILABLE = "not available"


def size(count: float) -> str:
    """Bytes for people: ``512 B``, ``1.5 GiB``, ``120 GiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    index = 0
    while abs(count) >= 1024 and index < len(units) - 1:
        count /= 1024
        index += 1
    digits = 0 if index == 0 or abs(count) >= 100 else 1
    return f"{count:.{digits}f} {units[index]}"


def duration(seconds: float) -> str:
    """``3 d 4 h 5 min``."""
    whole = int(seconds)
    return f"{whole // 86400} d {whole % 86400 // 3600} h {whole % 3600 // 60} min"


def _percent(value: float) -> str:
    return f"{value:g}\u00a0%"  # no line break between number and sign


def server_facts(status: dict[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` rows of the server card; missing readings say "not available"."""
    facts = []
    load = status.get("load")
    text = NOT_AVAILABLE
    if load:
        cpus = f"{load['cpus']} CPU{'s' if load['cpus'] != 1 else ''}"
        text = f"{load['load1']:.2f} / {load['load5']:.2f} / {load['load15']:.2f} on {cpus}"
    facts.append(("CPU load (1/5/15 min)", text))
    memory = status.get("memory")
    text = NOT_AVAILABLE
    if memory:
        text = (
            f"{size(memory['used'])} used of {size(memory['total'])} "
            f"({_percent(memory['percent'])}), {size(memory['available'])} available"
        )
    facts.append(("Memory", text))
    if memory and memory.get("swap_total"):
        facts.append(("Swap", f"{size(memory['swap_used'])} used of {size(memory['swap_total'])}"))
    disk = status.get("disk")
    text = NOT_AVAILABLE
    if disk:
        text = (
            f"{size(disk['free'])} free of {size(disk['total'])} ({_percent(disk['percent'])} used)"
        )
    facts.append(("Disk (data)", text))
    temperatures = status.get("temperatures") or []
    shown = [
        f"{t['celsius']:.1f}\u00a0°C" + (f" ({t['type']})" if len(temperatures) > 1 else "")
        for t in temperatures
    ]
    facts.append(("Temperature", ", ".join(shown) or NOT_AVAILABLE))
    uptime = status.get("uptime")
    facts.append(("Machine up for", NOT_AVAILABLE if uptime is None else duration(uptime)))
    return facts


def out_of_routing(context: AdminServices) -> dict[str, tuple[str, str]]:
    """``{modem id: (reason, text)}`` of the modems routing skips (holds included)."""
    try:
        routes = context.sms.routes()
    except Exception:  # the page must show even if the modems cannot be asked
        log.exception("modem routes failed")
        return {}
    return {r.id: (r.reason, r.reason_text) for r in routes if r.reason and r.active}


def _sms_counts(context: AdminServices) -> dict[str, int]:
    """Messages by outcome since the broker started (every modem together)."""
    counts: dict[str, int] = {}
    for (kind, outcome, _modem), value in context.events.counts().items():
        if kind == "sms":
            counts[outcome] = counts.get(outcome, 0) + value
    return counts


def _server_status(context: AdminServices) -> dict[str, Any]:
    """The server's readings; empty when the OS cannot be read."""
    try:
        return context.server.server_status()
    except Exception:  # the service status must show even if the OS cannot be read
        log.exception("server status failed")
        return {}


def home(context: AdminServices) -> str:
    """Alerts, modems, feeders, message counts and the server at a glance."""
    counts = _sms_counts(context)
    names = context.internet_modems.names()
    status = _server_status(context)
    return render(
        "home",
        "Status",
        version=context.version,
        uptime=int(time.time() - context.events.started),
        modems=context.modems.statuses(),
        names=names,
        feeders=context.feeder_settings.statuses(),
        feeder_labels=FEEDER_LABELS,
        counts=counts,
        alerts=context.alerts.active(),
        out=out_of_routing(context),
        server=server_facts(status),
        addresses=status.get("addresses") or {},
        charts=_charts(context, names),
        scripts=["/static/charts.js"],
    )


def _charts(context: AdminServices, names: dict[str, str]) -> str:
    """The activity charts of the window the query asks for (the last hour by default)."""
    window = window_of(bottle.request.query.get("charts"))
    return chart_section(context.activity, window, names, "/")


ROUTES = (Route("GET", "/", home),)

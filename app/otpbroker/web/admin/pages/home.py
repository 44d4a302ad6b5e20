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

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import N_, _, ngettext
from otpbroker.web.admin.charts import chart_section, window_of
from otpbroker.web.admin.feeder_names import LABELS as FEEDER_LABELS
from otpbroker.web.admin.render import render
from otpbroker.web.admin.routes import Route
from otpbroker.web.admin.services import AdminServices

log = logging.getLogger(__name__)
NOT_AVAILABLE = N_("not available")
#: The message outcomes counted on the home page, with their labels.
OUTCOME_LABELS = (
    ("sent", N_("Messages sent")),
    ("failed", N_("Messages failed")),
    ("unknown", N_("Messages unknown")),
    ("rejected", N_("Messages rejected")),
    ("duplicate", N_("Messages duplicate")),
)


def size(count: float) -> str:
    """Bytes for people: ``512 B``, ``1.5 GiB``, ``120 GiB`` (``1,5 GiB`` in Indonesian)."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    index = 0
    while abs(count) >= 1024 and index < len(units) - 1:
        count /= 1024
        index += 1
    digits = 0 if index == 0 or abs(count) >= 100 else 1
    return f"{format_number(round(count, digits))} {units[index]}"


def duration(seconds: float) -> str:
    """``3 d 4 h 5 min`` (``3 hr 4 j 5 mnt`` in Indonesian)."""
    whole = int(seconds)
    return _("{days} d {hours} h {minutes} min").format(
        days=whole // 86400, hours=whole % 86400 // 3600, minutes=whole % 3600 // 60
    )


def _percent(value: float) -> str:
    return f"{format_number(value)}\u00a0%"  # no line break between number and sign


def _load(load: dict[str, Any]) -> str:
    cpus = ngettext("{count} CPU", "{count} CPUs", load["cpus"]).format(count=load["cpus"])
    numbers = " / ".join(format_number(round(load[k], 2)) for k in ("load1", "load5", "load15"))
    return _("{load} on {cpus}").format(load=numbers, cpus=cpus)


def _memory(memory: dict[str, Any]) -> str:
    return _("{used} used of {total} ({percent}), {available} available").format(
        used=size(memory["used"]), total=size(memory["total"]),
        percent=_percent(memory["percent"]), available=size(memory["available"]),
    )  # fmt: skip


def server_facts(status: dict[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` rows of the server card; missing readings say "not available"."""
    missing = _(NOT_AVAILABLE)
    facts = []
    load = status.get("load")
    facts.append((_("CPU load (1/5/15 min)"), _load(load) if load else missing))
    memory = status.get("memory")
    facts.append((_("Memory"), _memory(memory) if memory else missing))
    if memory and memory.get("swap_total"):
        swap = _("{used} used of {total}").format(
            used=size(memory["swap_used"]), total=size(memory["swap_total"])
        )
        facts.append((_("Swap"), swap))
    disk = status.get("disk")
    text = missing
    if disk:
        text = _("{free} free of {total} ({percent} used)").format(
            free=size(disk["free"]), total=size(disk["total"]), percent=_percent(disk["percent"])
        )
    facts.append((_("Disk (data)"), text))
    temperatures = status.get("temperatures") or []
    shown = [
        f"{format_number(round(t['celsius'], 1))}\u00a0°C"
        + (f" ({t['type']})" if len(temperatures) > 1 else "")
        for t in temperatures
    ]
    facts.append((_("Temperature"), ", ".join(shown) or missing))
    uptime = status.get("uptime")
    facts.append((_("Machine up for"), missing if uptime is None else duration(uptime)))
    return facts


def out_of_routing(context: AdminServices) -> dict[str, tuple[str, str]]:
    """``{modem id: (reason, text)}`` of the modems routing skips (holds included)."""
    try:
        routes = context.sms.routes()
    except Exception:  # the page must show even if the modems cannot be asked
        log.exception("modem routes failed")
        return {}
    return {r.id: (r.reason, r.shown_reason()) for r in routes if r.reason and r.active}


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
        _("Status"),
        version=context.version,
        uptime_text=duration(time.time() - context.events.started),
        outcomes=[(outcome, _(label)) for outcome, label in OUTCOME_LABELS],
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

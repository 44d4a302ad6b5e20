"""Home: service status (modems, feeders, counts) at a glance."""

from __future__ import annotations

import time

import bottle

from otpbroker.web.admin.context import AdminContext
from otpbroker.web.admin.render import render


def register(app: bottle.Bottle, context: AdminContext) -> None:
    """Add ``/``."""

    @app.get("/")
    def home() -> str:
        counts: dict[str, int] = {}
        for (kind, outcome, _modem), value in context.events.counts().items():
            if kind == "sms":
                counts[outcome] = counts.get(outcome, 0) + value
        names = {m["id"]: m["name"] for m in context.repo.list("modems")}
        return render(
            "home",
            "Status",
            version=context.version,
            uptime=int(time.time() - context.events.started),
            modems=context.modems.statuses(),
            names=names,
            feeders=context.feeder_statuses(),
            counts=counts,
        )

"""Screenshots of the admin's activity charts for docs/admin.md, at 390 px and 1280 px.

Starts a real broker (data in a temporary directory) with two emulated modems, and serves
its admin with an activity series filled with a made-up day of traffic (a fixed random
seed, so the pictures change only when the charts do), then photographs the charts of the
home page (last hour, last day) in headless Chromium, saved as 64-colour PNG files.

    .venv/bin/python scripts/chart_screenshots.py [output directory, default docs/img/admin]
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from admin_session import owner_page
from PIL import Image
from playwright.sync_api import Page

from otpbroker.bootstrap import Broker
from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.services.activity_series import DAY, ActivitySeries
from otpbroker.services.events import SmsEvent
from otpbroker.web.admin.app import build_admin, with_body_limit
from otpbroker.web.server import HttpServer

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


class DemoClock:
    """A clock the demo moves through the past day."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def demo_series(modems: list[str], now: float) -> ActivitySeries:
    """A day of made-up traffic on ``modems``: busier in the day, one modem weaker."""
    clock = DemoClock(now - DAY.seconds)
    series = ActivitySeries(clock)
    rng = random.Random(7)
    while clock.now < now:
        hour = int(clock.now // 3600) % 24
        busy = 4 if 6 <= hour <= 21 else 2
        for index, modem in enumerate(modems):
            for _ in range(rng.randint(0, busy)):
                ok = rng.random() > 0.04 + 0.06 * index
                outcome = "sent" if ok else "failed"
                event = SmsEvent(clock.now, "rest", "shop", "62811****123", modem, outcome,
                                 rng.uniform(1.5, 4.0) + index, "0000")  # fmt: skip
                series.on_sms(event)
                if ok:
                    delivered = rng.random() > 0.08
                    state = MessageState.DELIVERED if delivered else MessageState.NOT_DELIVERED
                    series.on_status(StatusEvent("m", state, "rest", modem_id=modem))
            if rng.random() < 0.05:
                series.on_inbound(InboundSms(modem, "+62811000", "STOP", clock.now))
        queues = {m: rng.choice((0, 0, 0, 1, 2)) for m in modems}
        signals = {m: 70 - 25 * i + rng.randint(-5, 5) for i, m in enumerate(modems)}
        series.sample(queues, signals)
        clock.now += 60
    clock.now = now
    return series


def shoot(page: Page, out: Path, name: str) -> None:
    """The charts card at each width."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(SETTLE)
        path = out / f"{name}-{label}.png"
        page.locator(".charts-card").screenshot(path=str(path))
        with Image.open(path) as shot:  # 64 colours are plenty for lines on white: small files
            small = shot.convert("RGB").quantize(colors=64)
        small.save(path, optimize=True)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/admin")
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="otpb-charts-"))
    broker = Broker(data)
    sims = [SimModem(ModemProfile(imei=f"35693803564{i:04d}")).start() for i in range(2)]
    ids = [broker.store.add("modems", {"name": name, "port": sim.port})["id"]
           for name, sim in zip(("Telkomsel", "XL stick"), sims, strict=True)]  # fmt: skip
    broker.start("127.0.0.1", 0)
    services = dataclasses.replace(broker.admin_services, activity=demo_series(ids, time.time()))
    server = HttpServer(with_body_limit(build_admin(services)), "127.0.0.1", 0)
    server.start()
    host, port = server.bound_address
    base = f"http://{host}:{port}"
    try:
        with owner_page(base, broker.setup_code.read()) as page:
            shoot(page, out, "charts-hour")
            page.goto(base + "/?charts=day")
            shoot(page, out, "charts-day")
    finally:
        server.stop()
        broker.stop()
        for sim in sims:
            sim.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

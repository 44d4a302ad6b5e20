"""Screenshots of the modems page's checks for docs/admin.md, at 390 px and 1280 px.

Starts a real broker (data in a temporary directory) with one emulated modem on the
emulator's network (so an SMS to its own number comes back) whose SIM answers the
Telkomsel balance code with a fixed preset reply, then in headless Chromium presses
"Check now" and "Test this modem" on the modems page, waits for the self-test to come back
and photographs the Balance and Checks cells, saved as 64-colour PNG files.

    .venv/bin/python scripts/modem_screenshots.py [output directory, default docs/img/admin]
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

from admin_session import owner_page
from PIL import Image
from playwright.sync_api import FloatRect, Page

from otpbroker.bootstrap import Broker
from otpbroker.modem.sim import ModemBank
from otpbroker.modem.sim.balance_replies import with_balance
from otpbroker.modem.sim.identity import generate_profiles

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
BALANCE = "telkomsel:48500:2027-03-31"  # a fixed reply: the pictures change only with the page
NO_PACING = {"min_gap_seconds": 0, "gap_jitter_seconds": 0, "max_per_hour": 0,
             "max_per_day": 0, "max_recipients_per_month": 0}  # fmt: skip


def shoot(page: Page, out: Path, name: str, cell: str) -> None:
    """The modem's ``cell`` (a column's data-label) at each width: on a phone the card's
    line, on a desktop the column with its heading."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(SETTLE)
        path = out / f"{name}-{label}.png"
        td = page.locator(f"tbody tr td[data-label='{cell}']").first
        td.scroll_into_view_if_needed()
        if label == "phone":
            td.screenshot(path=str(path))
        else:
            page.screenshot(path=str(path), clip=column_box(page, cell))
        with Image.open(path) as shot:  # 64 colours are plenty for text and badges
            small = shot.convert("RGB").quantize(colors=64)
        small.save(path, optimize=True)


def column_box(page: Page, cell: str) -> FloatRect:
    """The page area of a column's heading and first cell."""
    boxes = [
        page.locator(f"thead th:text-is('{cell}')").first.bounding_box(),
        page.locator(f"tbody tr td[data-label='{cell}']").first.bounding_box(),
    ]
    left = min(b["x"] for b in boxes if b)
    top = min(b["y"] for b in boxes if b)
    right = max(b["x"] + b["width"] for b in boxes if b)
    bottom = max(b["y"] + b["height"] for b in boxes if b)
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/admin")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="otpb-modems-"))
    (profile,) = generate_profiles(1, seed=11)
    profile = dataclasses.replace(profile, ussd=with_balance(dict(profile.ussd), BALANCE))
    bank = ModemBank(profiles=[profile], link_dir=work / "by-id", route_delay=0.5).start()
    broker = Broker(work / "data")
    (sim,) = list(bank)
    broker.store.add("modems", {"name": "Telkomsel", "port": sim.port, "msisdn": profile.msisdn,
                                "balance_ussd": "*888#", "balance_rule": "telkomsel",
                                "balance_min": 10000, **NO_PACING})  # fmt: skip
    server = broker.start("127.0.0.1", 0)
    host, port = server.bound_address
    base = f"http://{host}:{port}"
    try:
        with owner_page(base, broker.setup_code.read()) as page:
            page.goto(base + "/modems")
            page.wait_for_function(
                "() => !!document.querySelector(\"td[data-label='IMEI']\")"
                " && document.querySelector(\"td[data-label='IMEI']\").textContent.trim() !== '—'",
                timeout=60_000,
            )
            page.click("button:has-text('Check now')")
            page.wait_for_selector("td[data-label='Balance'] :text('Rp')", timeout=60_000)
            page.click("button:has-text('Test this modem')")
            page.wait_for_selector("[data-self-test][data-state='back']", timeout=130_000)
            page.goto(base + "/modems")  # without the flash message above the table
            shoot(page, out, "modem-balance", "Balance")
            shoot(page, out, "modem-self-test", "Checks")
    finally:
        broker.stop()
        bank.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

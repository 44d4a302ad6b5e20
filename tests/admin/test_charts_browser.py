"""The activity charts in real headless Chromium: drawn at 390 px and 1280 px without
horizontal scrolling, their labels legible and apart, no CSP refusal, and new data shown
after a send without a reload (monitor: at once through its event stream; home: on its
timer)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness
from browser_tools import chromium, create_owner, shoot
from playwright.sync_api import Page

from otpbroker.web.admin import charts

pytestmark = pytest.mark.e2e

OWNER = ("owner", "owner-password-1")
WIDTHS = (390, 1280)
CHART_COUNT = len(charts.CHARTS)


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    h = BrokerHarness(tmp_path_factory.mktemp("charts") / "data")
    h.add_modem()
    h.add_user()
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def problems() -> list[str]:
    return []


@pytest.fixture(scope="module")
def page(harness, problems):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(msg.text) if "Refused" in msg.text else None)
        page.on("response", lambda r: problems.append(f"{r.status}: {r.url}")
                if r.status >= 400 else None)  # fmt: skip
        create_owner(page, harness.base, harness.broker.setup_code.read(), OWNER)
        yield page
        context.close()


@pytest.fixture(autouse=True)
def no_page_problems(problems):
    yield
    found, problems[:] = list(problems), []
    assert found == [], found


def send(harness: BrokerHarness, n: int) -> None:
    status, reply, _ = harness.send_sms(
        "08126666666", f"Kode OTP 4000{n}", f"browser-{n}-{time.time()}"
    )
    assert (status, reply["response_code"]) == (200, "0000"), reply


def sent_points(page: Page) -> float:
    return float(page.get_attribute('svg[data-chart="sent-hour"]', "data-points") or "nan")


OVERLAPS = """svg => {
  const boxes = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 0.5 && h > 0.5) hits.push([a.left, a.top, b.left, b.top]);
  }));
  return hits;
}"""


@pytest.mark.parametrize("path", ["/", "/monitor", "/?charts=day"])
@pytest.mark.parametrize("width", WIDTHS)
def test_charts_fit_and_stay_legible(page, harness, path, width):
    send(harness, width)  # something to draw
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(harness.base + path)
    svgs = page.locator("svg.chart")
    assert svgs.count() == CHART_COUNT
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px of horizontal scroll at {width} px"
    for index in range(CHART_COUNT):
        svg = svgs.nth(index)
        box = svg.bounding_box()
        assert box is not None and 250 <= box["width"] <= width
        assert svg.evaluate(OVERLAPS) == []
        smallest = svg.evaluate("s => Math.min(...[...s.querySelectorAll('text')]"
                                ".map(t => t.getBoundingClientRect().height))")  # fmt: skip
        assert smallest >= 10, f"text {smallest} px high at {width} px"
    assert page.get_attribute("svg.chart", "role") == "img"
    shoot(
        page, f"charts{path.replace('/', '-').replace('?charts=', '-')}", scroll_to=".charts-card"
    )


def test_the_monitor_draws_a_send_without_a_reload(page, harness):
    page.goto(harness.base + "/monitor")
    page.wait_for_selector('#live-state[data-live="on"]')
    before = sent_points(page)
    page.evaluate("() => { window.sameDocument = true; }")
    send(harness, 1)
    page.wait_for_function(f"() => Number(document.querySelector("
                           f"'svg[data-chart=\"sent-hour\"]').dataset.points) > {before}")  # fmt: skip
    assert page.evaluate("() => window.sameDocument") is True
    assert sent_points(page) == before + 1


def test_the_home_page_redraws_on_its_timer(page, harness, monkeypatch):
    monkeypatch.setattr(charts, "REFRESH_SECONDS", 1)
    page.goto(harness.base + "/")
    assert page.get_attribute("#charts", "data-refresh-seconds") == "1"
    before = sent_points(page)
    page.evaluate("() => { window.sameDocument = true; }")
    send(harness, 2)
    page.wait_for_function(f"() => Number(document.querySelector("
                           f"'svg[data-chart=\"sent-hour\"]').dataset.points) > {before}")  # fmt: skip
    assert page.evaluate("() => window.sameDocument") is True
    assert page.locator("svg.chart").count() == CHART_COUNT

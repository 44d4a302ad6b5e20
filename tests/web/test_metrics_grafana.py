"""The Grafana dashboard in ``docs/grafana/``: a dashboard Grafana imports (its layout and
queries well-formed), and every metric its queries name is one a running broker's
``/metrics`` defines, except those listed as defined by another part of the broker."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana" / "otp-broker-dashboard.json"
#: Metrics the dashboard shows that the webhooks' part of ``/metrics`` defines (documented in
#: docs/admin.md, "Grafana dashboard").
DEFINED_ELSEWHERE = {"otpbroker_webhook_backlog"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
PANEL_TYPES = {"timeseries", "stat"}


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def test_it_is_a_dashboard_grafana_imports(dashboard):
    assert dashboard["title"] and dashboard["uid"] and isinstance(dashboard["schemaVersion"], int)
    inputs = {entry["name"] for entry in dashboard["__inputs"]}
    assert inputs == {"DS_PROMETHEUS"}
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels) > 0
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        assert panel["type"] in PANEL_TYPES and panel["title"]
        grid = panel["gridPos"]
        assert all(isinstance(grid[k], int) for k in "xywh")
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24
        taken = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                 for y in range(grid["y"], grid["y"] + grid["h"])}  # fmt: skip
        assert not taken & cells, panel["title"]  # panels never overlap
        cells |= taken
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(set(refs)) == len(refs)
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
            expr = target["expr"]
            assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}")


def test_it_shows_what_the_owner_asks_for(dashboard):
    text = json.dumps(dashboard)
    for metric in ("otpbroker_modem_messages_total", "otpbroker_sms_send_seconds_bucket",
                   "otpbroker_modem_queue_depth", "otpbroker_modem_signal_percent",
                   "otpbroker_modem_cms_errors_total", "otpbroker_sms_delivery_ratio",
                   "otpbroker_inbound_sms_total", "otpbroker_ready",
                   "otpbroker_feeder_restarts_total", "otpbroker_webhook_backlog"):  # fmt: skip
        assert metric in text, metric
    assert "histogram_quantile(0.95" in text


def defined_metrics(text: str) -> set[str]:
    """The metric families a ``/metrics`` text declares (``# TYPE`` lines)."""
    return set(re.findall(r"^# TYPE (\w+) \w+$", text, re.MULTILINE))


def test_every_metric_it_uses_is_one_the_broker_defines(dashboard, harness):
    status, reply, _ = harness.send_sms("08126666666", "Kode OTP 123456", "grafana-1")
    assert (status, reply["response_code"]) == (200, "0000")  # the histogram has a modem
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    defined = defined_metrics(text)
    used = set(re.findall(r"otpbroker_\w+", json.dumps(dashboard)))
    families = {next((name.removesuffix(s) for s in HISTOGRAM_SUFFIXES
                      if name.removesuffix(s) in defined), name) for name in used}  # fmt: skip
    # once the webhooks' part is in, its metrics are defined here too: a subset either way
    assert families - defined <= DEFINED_ELSEWHERE, families - defined - DEFINED_ELSEWHERE
    documented = (DASHBOARD.parents[1] / "api.md").read_text(encoding="utf-8")
    for name in ("otpbroker_sms_delivery_reports_total", "otpbroker_sms_delivery_ratio",
                 "otpbroker_inbound_sms_total", "otpbroker_ready"):  # fmt: skip
        assert name in defined and f"| `{name}` |" in documented, name

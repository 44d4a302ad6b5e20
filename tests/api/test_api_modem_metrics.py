"""``/metrics`` per modem, against a real broker and emulated modems: the send-latency
histogram after N sends, ``+CMS ERROR`` counts by class, the queue depth of a slowed modem,
and an exposition a Prometheus parser reads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from broker_harness import BrokerHarness
from prometheus_client.parser import text_string_to_metric_families
from waiting import wait_until

from otpbroker.modem.send_metrics import SEND_BUCKETS
from otpbroker.web.metrics_modems import CMS_CLASSES

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}
DELAY = 0.6  # the emulator's time per SMS: every send takes at least this long


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.add_modem(profile={**GENERIC, "send_delay": DELAY})
    h.add_user()
    h.start()
    yield h
    h.stop()


def scrape(harness: BrokerHarness) -> str:
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    return text


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample of ``name`` by its sorted labels, as the Prometheus parser reads them."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text, name)[tuple(sorted(labels.items()))]


def test_the_latency_histogram_counts_every_sent_message(harness):
    modem = harness.modem_ids[0]
    sends = 4
    for n in range(sends):
        status, reply, _ = harness.send_sms("08126666666", f"Kode OTP 50{n}", f"h{n}")
        assert (status, reply["response_code"]) == (200, "0000"), reply
    text = scrape(harness)
    name = "otpbroker_sms_send_seconds"
    buckets = {dict(key)["le"]: count for key, count in samples(text, name + "_bucket").items()
               if dict(key)["modem"] == modem}  # fmt: skip
    bounds = [float(le) for le in buckets]
    assert bounds == sorted(bounds) and bounds[-1] == float("inf")
    assert bounds[:-1] == list(SEND_BUCKETS)
    counts = [buckets[le] for le in buckets]
    assert counts == sorted(counts), counts  # cumulative: never falls
    assert counts[-1] == sends == value(text, name + "_count", modem=modem)
    assert buckets["0.5"] == 0  # no send took less than the emulator's delay
    assert value(text, name + "_sum", modem=modem) >= sends * DELAY


def test_a_cms_error_is_counted_by_its_class(harness):
    sim, modem = harness.sims[0], harness.modem_ids[0]
    sim.inject("cms-error", code=1, count=1)  # unassigned number: class "number"
    reply = harness.send_sms("08126666666", "Kode OTP 601", "c1")[1]
    assert (reply["response_code"], reply["data"]["error_class"]) == ("1102", "number"), reply
    sim.inject("cms-error", code=42, count=1)  # congestion: class "transient"
    harness.send_sms("08126666666", "Kode OTP 602", "c2")
    text = scrape(harness)
    counts = {cls: value(text, "otpbroker_modem_cms_errors_total", modem=modem, **{"class": cls})
              for cls in CMS_CLASSES}  # fmt: skip
    assert counts == {"number": 1, "sim": 0, "transient": 1, "configuration": 0, "unknown": 0}
    # a failed send is not a latency observation: nothing was sent
    assert not samples(text, "otpbroker_sms_send_seconds_count")


def test_queue_depth_shows_messages_queued_on_a_slowed_modem(harness):
    modem = harness.modem_ids[0]
    seen: list[float] = []

    def queued(expected: int) -> bool:
        seen.append(value(scrape(harness), "otpbroker_modem_queue_depth", modem=modem))
        return seen[-1] == expected

    assert queued(0)
    with ThreadPoolExecutor(4) as clients:
        replies = [clients.submit(harness.send_sms, "08126666666", f"Kode OTP 70{n}", f"q{n}")
                   for n in range(4)]  # fmt: skip
        assert wait_until(lambda: queued(3), 10), seen  # one on the air, three queued
        assert [reply.result()[1]["response_code"] for reply in replies] == ["0000"] * 4
    assert queued(0), seen


def test_the_exposition_is_valid_prometheus_text(harness):
    assert harness.send_sms("08126666666", "Kode OTP 801", "v1")[0] == 200
    text = scrape(harness)
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families["otpbroker_sms_send_seconds"].type == "histogram"
    assert families["otpbroker_modem_queue_depth"].type == "gauge"
    assert families["otpbroker_modem_cms_errors"].type == "counter"
    for line in text.splitlines():  # strict: only comments and well-formed samples
        assert re.fullmatch(r"# (HELP|TYPE) [a-z_:]+ .+|[a-z_:]+(\{[^{}]*\})? -?[0-9.e+Inf]+",
                            line), line  # fmt: skip

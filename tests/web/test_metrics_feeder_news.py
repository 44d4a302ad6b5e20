"""``otpbroker_feeder_news_total``: what each feeder published back (replies, status events,
received SMS), sent and dropped, read by the Prometheus parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from otpbroker.web.metrics import FeederGauge, render_metrics


def _news(text: str) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["feeder"], sample.labels["result"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "otpbroker_feeder_news_total"
    }


def test_each_feeder_counts_what_it_sent_back_and_what_it_dropped() -> None:
    feeders = [
        FeederGauge("rabbitmq", "connected", 9, 9, 0, 0, 0, news_sent=17, news_dropped=2),
        FeederGauge("mqtt", "disabled", 0, 0, 0, 0),
    ]
    text = render_metrics({}, [], 5.0, feeders)
    assert _news(text) == {
        ("rabbitmq", "sent"): 17,
        ("rabbitmq", "dropped"): 2,
        ("mqtt", "sent"): 0,
        ("mqtt", "dropped"): 0,
    }

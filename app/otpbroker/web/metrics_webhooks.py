"""``/metrics`` lines of the webhooks: backlog per webhook, deliveries by result."""

from __future__ import annotations

from typing import Protocol

from otpbroker.web.metrics import label


class WebhookReadings(Protocol):
    """The webhooks' counts (``services.webhooks.Webhooks``)."""

    def backlogs(self) -> dict[str, int]:
        """Events waiting per webhook id."""
        ...

    def deliveries(self) -> dict[str, int]:
        """Results so far: delivered, failed, dead."""
        ...


def webhook_lines(readings: WebhookReadings) -> list[str]:
    """The backlog gauge and the deliveries counter, read now (labels: webhook ids)."""
    lines = [
        "# HELP otpbroker_webhook_backlog Events waiting for a webhook (with the one being "
        "posted), by webhook id.",
        "# TYPE otpbroker_webhook_backlog gauge",
    ]
    lines += [f'otpbroker_webhook_backlog{{webhook="{label(key)}"}} {count}'
              for key, count in sorted(readings.backlogs().items())]  # fmt: skip
    lines += [
        "# HELP otpbroker_webhook_deliveries_total Webhook posts by result: delivered (a 2xx"
        " answer), failed (an attempt that will be retried or buried), dead (events moved to"
        " the dead letters).",
        "# TYPE otpbroker_webhook_deliveries_total counter",
    ]
    lines += [f'otpbroker_webhook_deliveries_total{{result="{result}"}} {count}'
              for result, count in sorted(readings.deliveries().items())]  # fmt: skip
    return lines


__all__ = ["WebhookReadings", "webhook_lines"]

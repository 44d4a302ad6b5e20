"""The charts of the home and monitor pages: which ones, from the activity series.

``charts_html(series, window, names)`` is the fragment both pages embed and
``/admin-api/charts/<window>`` answers (``static/charts.js`` fetches it again every
``REFRESH_SECONDS``, and on the monitor page soon after each finished request): sent,
failed and delivered messages per modem, send latency, queue depth and signal, over the
last hour or day. Each modem keeps one colour and dash on every chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from otpbroker.i18n.translate import N_, _
from otpbroker.services.activity_series import (
    HOUR,
    NO_MODEM,
    OTHER,
    WINDOWS,
    ActivitySeries,
    ActivityView,
    Window,
)
from otpbroker.web.admin.charts_svg import Chart, Series, render

REFRESH_SECONDS = 15
TICKS = {"hour": 15 * 60, "day": 6 * 3600}
SPANS = {"hour": N_("last hour"), "day": N_("last day")}
#: The window switch's links.
SWITCH = {"hour": N_("Last hour"), "day": N_("Last day")}
#: (key, title, metric, kind, unit, fixed top): kind "count", or a gauge's "mean"/"max".
CHARTS: tuple[tuple[str, str, str, str, str, float | None], ...] = (
    ("sent", N_("Sent"), "sent", "count", "", None),
    ("failed", N_("Failed (incl. unknown, expired)"), "failed", "count", "", None),
    ("delivered", N_("Delivered (status reports)"), "delivered", "count", "", None),
    ("latency", N_("Send time, mean"), "latency", "mean", " s", None),
    ("queue", N_("Queue depth, peak"), "queue", "max", "", None),
    ("signal", N_("Signal"), "signal", "mean", " %", 100.0),
)


def window_of(name: str | None) -> Window:
    """The window a query names (``hour`` unless ``day``)."""
    return WINDOWS.get(name or "", HOUR)


def build_charts(view: ActivityView, names: Mapping[str, str]) -> list[Chart]:
    """Every chart of ``view``, its series named by ``names`` (modem id: name)."""
    slots = {modem: index for index, modem in enumerate(view.modems)}
    window = view.window
    charts = []
    span = _(SPANS[window.name])
    for key, title, metric, kind, unit, top in CHARTS:
        values: Mapping[str, Sequence[float | None]]
        if kind == "count":
            counts = view.counts(metric)
            values = {
                m: [float(v) for v in vs]
                for m, vs in counts.items()
                if any(vs) or m not in (NO_MODEM, OTHER)
            }  # a modem seen: its zeros too
        else:
            values = view.gauge(metric, kind)
        series = [Series(_name(modem, names), values[modem], slots[modem])
                  for modem in view.modems if modem in values]  # fmt: skip
        charts.append(Chart(
            key=f"{key}-{window.name}", unit=unit,
            title=_("{chart}, {span}").format(chart=_(title), span=span),
            starts=view.starts, bucket_seconds=window.width, tick_seconds=TICKS[window.name],
            series=series, y_top=top, total_label="total" if kind == "count" else "mean",
            whole=kind == "count" or metric == "queue",
        ))  # fmt: skip
    return charts


def _name(modem: str, names: Mapping[str, str]) -> str:
    if modem == NO_MODEM:
        return _("no modem")
    if modem == OTHER:
        return _("other")
    return str(names.get(modem) or modem)


def charts_html(series: ActivitySeries, window: Window, names: Mapping[str, str]) -> str:
    """The charts of ``window`` as figures in one grid (an HTML fragment)."""
    figures = "".join(
        f'<figure class="chart-box">{render(chart)}</figure>'
        for chart in build_charts(series.view(window), names)
    )
    return f'<div class="charts" data-window="{escape(window.name)}">{figures}</div>'


def chart_section(series: ActivitySeries, window: Window, names: Mapping[str, str],
                  page: str) -> str:  # fmt: skip
    """The charts with their window switch and the attributes ``charts.js`` follows."""
    links = " · ".join(
        f'<a href="{page}?charts={name}"'
        + (' aria-current="true"' if name == window.name else "")
        + f">{escape(_(SWITCH[name]))}</a>"
        for name in WINDOWS
    )
    label = escape(_("Activity charts"))
    return (
        f'<section class="card charts-card" aria-label="{label}">'
        f'<p class="chart-switch">{links}</p>'
        f'<div id="charts" data-charts-src="/admin-api/charts/{escape(window.name)}" '
        f'data-refresh-seconds="{REFRESH_SECONDS}">{charts_html(series, window, names)}</div>'
        f"</section>"
    )


__all__ = ["CHARTS", "REFRESH_SECONDS", "build_charts", "chart_section", "charts_html", "window_of"]

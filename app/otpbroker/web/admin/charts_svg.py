"""Line charts as SVG text, drawn on the server: axes, gridlines, labels, a legend.

Pure: a ``Chart`` in, an ``<svg>`` string out. No script and no ``style`` attribute (the
admin's CSP allows neither inline), only presentation attributes. The drawing has a fixed
``viewBox`` and scales with the width CSS gives it; it is sized for a column between about
300 and 600 px wide, where its 12-unit text stays legible. Each series has a colour of the
Okabe-Ito palette (told apart with colour blindness) and a dash pattern of its own, so
series can be told apart without colour too. ``<title>`` and ``<desc>`` (named by
``aria-labelledby``) tell a screen reader what the chart shows and each series' total and
last value. Its words and numbers are written in the current language.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from otpbroker.i18n.formats import format_number
from otpbroker.i18n.translate import _

WIDTH = 400
PLOT_HEIGHT = 130
LEFT, RIGHT, TOP = 44, 12, 30
AXIS_BELOW = 22
LEGEND_ROW = 18
FONT = 12
CHAR_WIDTH = 6.8  # a 12-unit sans-serif character's width, for laying out the legend
#: Okabe-Ito colours (yellow left out: too light on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 4", "4 4", "1 2")
TEXT_COLOUR = "#333"
GRID_COLOUR = "#ddd"
AXIS_COLOUR = "#888"


@dataclass(frozen=True)
class Series:
    """One line: its legend name, a value per bucket (None: no reading) and its slot (which
    colour and dash it gets: the same modem keeps the same slot on every chart)."""

    name: str
    values: Sequence[float | None]
    slot: int = 0


@dataclass(frozen=True)
class Chart:
    """What one chart shows."""

    key: str
    """A short name: the ``data-chart`` attribute and the element ids' stem."""
    title: str
    unit: str
    """Written after values in the description and the y labels (``""``, ``" s"``, ``" %"``)."""
    starts: Sequence[float]
    """The start time of each bucket, oldest first."""
    bucket_seconds: float
    tick_seconds: float
    """Time between labelled x ticks (15 min on an hour, 6 h on a day)."""
    series: Sequence[Series]
    y_top: float | None = None
    """A fixed top of the y axis (100 for percent); None: from the data."""
    total_label: str = "total"
    """What the description calls a series' sum (``"mean"`` for a gauge: see ``summary``)."""
    whole: bool = False
    """Values are whole numbers (counts): the y ticks are too."""


def render(chart: Chart, clock: Callable[[float], str] | None = None) -> str:
    """The chart as an ``<svg>`` element (``clock``: a time to its x label, ``HH:MM`` local)."""
    label_of = clock or _local_time
    legend = _legend_rows(chart.series)
    height = TOP + PLOT_HEIGHT + AXIS_BELOW + LEGEND_ROW * max(1, len(legend)) + 6
    top = _y_top(chart)
    ticks = _y_ticks(top, chart.unit, chart.whole)
    left = max(LEFT, 8 + CHAR_WIDTH * max(len(text) for _, text in ticks))
    frame = _Frame(left, top, len(chart.starts))
    ident = f"chart-{escape(chart.key)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'class="chart" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'data-chart="{escape(chart.key)}" data-points="{_points(chart)}" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">',
        f'<title id="{ident}-t">{escape(chart.title)}</title>',
        f'<desc id="{ident}-d">{escape(summary(chart))}</desc>',
        f'<text x="0" y="{FONT + 2}" font-weight="600" fill="{TEXT_COLOUR}">'
        f"{escape(chart.title)}</text>",
    ]
    parts += _y_axis(frame, ticks)
    parts += _x_axis(chart, frame, label_of)
    if chart.series:
        for series in chart.series:
            parts += _line(series, frame)
    else:
        empty = escape(_("No data yet"))
        parts.append(f'<text x="{left + frame.width / 2:.0f}" y="{TOP + PLOT_HEIGHT / 2:.0f}" '
                     f'text-anchor="middle" fill="{AXIS_COLOUR}">{empty}</text>')  # fmt: skip
    parts += _legend(legend, TOP + PLOT_HEIGHT + AXIS_BELOW)
    parts.append("</svg>")
    return "".join(parts)


def summary(chart: Chart) -> str:
    """The chart in words: each series' total (or mean) over the span and its last value."""
    if not chart.series:
        return _("{title}: no data yet.").format(title=chart.title)
    said = []
    if chart.total_label == "total":
        sentence = _("{series}: total {amount}, last {last}")
    else:
        sentence = _("{series}: mean {amount}, last {last}")
    for series in chart.series:
        known = [v for v in series.values if v is not None]
        if not known:
            continue
        amount = sum(known) if chart.total_label == "total" else sum(known) / len(known)
        last = known[-1]
        said.append(sentence.format(series=series.name, amount=_number(amount) + chart.unit,
                                    last=_number(last) + chart.unit))  # fmt: skip
    return f"{chart.title}. " + ("; ".join(said) or _("no data yet")) + "."


def nice_top(value: float, whole: bool = False) -> tuple[float, float]:
    """A round top for an axis whose data reach ``value``, and its tick step (at most four
    steps of 1, 2, 2.5 or 5 times a power of ten; ``whole``: steps of 1 at least)."""
    if value <= 0:
        return (1.0, 1.0) if whole else (1.0, 0.25)
    rough = value / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    return step * math.ceil(value / step - 1e-9), step


def _y_top(chart: Chart) -> float:
    if chart.y_top is not None:
        return chart.y_top
    values = [v for s in chart.series for v in s.values if v is not None]
    return nice_top(max(values, default=0.0), chart.whole)[0]


@dataclass(frozen=True)
class _Frame:
    """The plot area: its left edge (after the y labels), the y axis' top value and the
    number of buckets along x."""

    left: float
    top: float
    count: int

    @property
    def width(self) -> float:
        return WIDTH - self.left - RIGHT

    def x(self, index: float) -> float:
        return self.left + self.width * (index / max(1, self.count - 1))

    def y(self, value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - min(value, self.top) / self.top)


def _y_ticks(top: float, unit: str, whole: bool) -> list[tuple[float, str]]:
    """Each y tick and its label, with the digits its step needs."""
    step = top / 4 if top == 100 else nice_top(top, whole)[1]
    digits = max(0, math.ceil(-math.log10(step) - 1e-9)) if step < 1 else 0
    digits += 1 if digits and round(step * 10**digits) != step * 10**digits else 0
    ticks, tick = [], 0.0
    while tick <= top + 1e-9:
        ticks.append((tick, format_number(round(tick, digits) if digits else round(tick))
                       + unit.strip()))  # fmt: skip
        tick += step
    return ticks


def _y_axis(frame: _Frame, ticks: list[tuple[float, str]]) -> list[str]:
    parts = []
    for tick, text in ticks:
        y = frame.y(tick)
        colour = AXIS_COLOUR if tick == 0 else GRID_COLOUR
        parts.append(f'<line x1="{frame.left:.1f}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="{colour}" stroke-width="1"/>')  # fmt: skip
        parts.append(f'<text x="{frame.left - 5:.1f}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{TEXT_COLOUR}">{escape(text)}</text>')  # fmt: skip
    return parts


def _x_axis(chart: Chart, frame: _Frame, label_of: Callable[[float], str]) -> list[str]:
    parts = []
    bottom = TOP + PLOT_HEIGHT
    for index, start in enumerate(chart.starts):
        if round(start) % round(chart.tick_seconds) != 0:
            continue
        x = frame.x(index)
        near_left, near_right = x < frame.left + 20, x > WIDTH - RIGHT - 20
        anchor = "start" if near_left else ("end" if near_right else "middle")
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom + 4}" '
                     f'stroke="{GRID_COLOUR}" stroke-width="1"/>')  # fmt: skip
        parts.append(f'<text x="{x:.1f}" y="{bottom + 17}" text-anchor="{anchor}" '
                     f'fill="{TEXT_COLOUR}">{escape(label_of(start))}</text>')  # fmt: skip
    return parts


def _line(series: Series, frame: _Frame) -> list[str]:
    """One polyline per run of known values (a lone reading: a dot)."""
    colour = PALETTE[series.slot % len(PALETTE)]
    dash = DASHES[series.slot % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts, run = [], []
    for index, value in [*enumerate(series.values), (frame.count, None)]:
        if value is not None:
            run.append(f"{frame.x(index):.1f},{frame.y(value):.1f}")
            continue
        if len(run) == 1:
            x, y = run[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{colour}"/>')
        elif run:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                         f'stroke-width="2" stroke-linejoin="round"{dash_attr}/>')  # fmt: skip
        run = []
    return [f'<g data-series="{escape(series.name)}">', *parts, "</g>"]


def _legend_rows(series: Sequence[Series]) -> list[list[tuple[Series, float]]]:
    """The legend's items in rows that fit the width, each with its x."""
    rows: list[list[tuple[Series, float]]] = []
    x = WIDTH + 1.0
    for item in series:
        width = 30 + CHAR_WIDTH * len(item.name) + 12
        if x + width > WIDTH:
            rows.append([])
            x = 0.0
        rows[-1].append((item, x))
        x += width
    return rows


def _legend(rows: list[list[tuple[Series, float]]], y0: float) -> list[str]:
    parts = []
    for number, row in enumerate(rows):
        y = y0 + LEGEND_ROW * number + 12
        for series, x in row:
            colour = PALETTE[series.slot % len(PALETTE)]
            dash = DASHES[series.slot % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{x:.1f}" x2="{x + 24:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" '
                         f'stroke="{colour}" stroke-width="2"{dash_attr}/>')  # fmt: skip
            parts.append(f'<text x="{x + 30:.1f}" y="{y:.1f}" fill="{TEXT_COLOUR}">'
                         f"{escape(series.name)}</text>")  # fmt: skip
    return parts


def _points(chart: Chart) -> str:
    """The sum of every known value: a change of the data shows in this attribute."""
    return f"{sum(v for s in chart.series for v in s.values if v is not None):.6g}"


def _number(value: float) -> str:
    """A value for the description: whole, or with up to two decimals below 10."""
    if value == int(value):
        return format_number(int(value))
    return format_number(round(value, 2) if abs(value) < 10 else round(value))


def _local_time(at: float) -> str:
    return time.strftime("%H:%M", time.localtime(at))


__all__ = ["PALETTE", "Chart", "Series", "nice_top", "render", "summary"]

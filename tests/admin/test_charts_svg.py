"""The server-drawn SVG charts: well-formed, accessible, CSP-safe, laid out without overlaps,
and drawing exactly the data they are given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from otpbroker.web.admin.charts_svg import PALETTE, WIDTH, Chart, Series, nice_top, render, summary

SVG = "{http://www.w3.org/2000/svg}"
STARTS = [1_800_000_000.0 + 60 * i for i in range(60)]


def chart(*series: Series, **more) -> Chart:
    fields = {"key": "sent-hour", "title": "Sent, last hour", "unit": "", "starts": STARTS,
              "bucket_seconds": 60, "tick_seconds": 900, "series": list(series), **more}  # fmt: skip
    return Chart(**fields)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own renderer's output)


def test_a_chart_is_an_accessible_scalable_svg():
    root = parse(render(chart(Series("sim 0", [1.0] * 60))))
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox").startswith(f"0 0 {WIDTH} ")
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Sent, last hour"
    assert desc.text == "Sent, last hour. sim 0: total 60, last 1."


def test_nothing_a_strict_csp_refuses():
    svg = render(chart(Series("a", [1.0, None, 3.0] * 20), Series("b", [2.0] * 60, slot=1)))
    assert "<script" not in svg and "style=" not in svg and "<style" not in svg
    assert "javascript:" not in svg and " on" not in svg.replace(" one", "")


def test_names_are_escaped():
    svg = render(chart(Series('<b>"x" & y</b>', [1.0] * 60)))
    root = parse(svg)  # well-formed despite the name
    names = [t.text for t in root.iter(SVG + "text")]
    assert '<b>"x" & y</b>' in names and "<b>" not in svg


def test_each_series_is_drawn_from_its_values():
    values = [None] * 10 + [2.0] * 20 + [None] + [4.0] + [None] + [1.0] * 27
    root = parse(render(chart(Series("sim 0", values))))
    group = root.find(f"{SVG}g[@data-series='sim 0']")
    lines = group.findall(SVG + "polyline")
    dots = group.findall(SVG + "circle")
    assert [len(line.get("points").split()) for line in lines] == [20, 27]  # split at gaps
    assert len(dots) == 1  # the lone reading
    assert root.get("data-points") == str(2 * 20 + 4 + 27)
    ys = {float(p.split(",")[1]) for p in lines[0].get("points").split()}
    assert len(ys) == 1  # a flat line for equal values


def test_series_keep_their_slot_colour_and_dash():
    root = parse(render(chart(Series("a", [1.0] * 60, slot=0), Series("b", [2.0] * 60, slot=1))))
    a, b = (root.find(f"{SVG}g[@data-series='{n}']/{SVG}polyline") for n in "ab")
    assert a.get("stroke") == PALETTE[0] and b.get("stroke") == PALETTE[1]
    assert a.get("stroke-dasharray") is None and b.get("stroke-dasharray")


def test_an_empty_chart_says_so():
    root = parse(render(chart()))
    assert "No data yet" in [t.text for t in root.iter(SVG + "text")]
    assert summary(chart()) == "Sent, last hour: no data yet."


def text_boxes(root: ET.Element) -> list[tuple[float, float, float, str]]:
    """(left, right, baseline, text) of each text, estimated at 7 units a character."""
    boxes = []
    for text in root.iter(SVG + "text"):
        x, y, width = float(text.get("x")), float(text.get("y")), 7 * len(text.text or "")
        anchor = text.get("text-anchor") or "start"
        left = x - (width if anchor == "end" else width / 2 if anchor == "middle" else 0)
        boxes.append((left, left + width, y, text.text))
    return boxes


@pytest.mark.parametrize("names", [["sim 0"], ["Telkomsel", "XL stick", "Indosat backup",
                                               "Smartfren", "Tri", "by.U spare"]])  # fmt: skip
def test_labels_and_legend_stay_inside_and_apart(names):
    series = [Series(name, [float(i % 7)] * 60, slot=i) for i, name in enumerate(names)]
    root = parse(render(chart(*series)))
    height = float(root.get("viewBox").split()[3])
    boxes = text_boxes(root)
    for left, right, y, text in boxes:
        assert left >= 0 and right <= WIDTH + 1 and 0 < y <= height, text
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            same_line = abs(first[2] - second[2]) < 12
            apart = first[1] <= second[0] or second[1] <= first[0]
            assert not same_line or apart, (first, second)


def test_time_labels_fall_on_round_ticks():
    labels = []
    render(chart(Series("a", [1.0] * 60)), clock=lambda at: labels.append(at) or "t")
    assert labels and all(at % 900 == 0 for at in labels)
    assert len(labels) <= 5


@pytest.mark.parametrize(("value", "whole", "top", "step"), [
    (0, False, 1.0, 0.25), (0, True, 1.0, 1.0), (1, True, 1.0, 1.0), (3, True, 3.0, 1.0),
    (7, False, 8.0, 2.0), (37, False, 40.0, 10.0), (0.3, False, 0.3, 0.1), (120, False, 150.0, 50.0),
])  # fmt: skip
def test_the_axis_top_is_round_and_holds_the_data(value, whole, top, step):
    found_top, found_step = nice_top(value, whole)
    assert found_top == pytest.approx(top) and found_step == pytest.approx(step)
    assert found_top >= value and found_top / found_step <= 4 + 1e-9


@pytest.mark.parametrize("peak", [0.004, 0.3, 2.5, 7.0, 1234.0])
def test_y_labels_are_distinct_whatever_the_scale(peak):
    root = parse(render(chart(Series("a", [peak] * 60), unit=" s")))
    labels = [t.text for t in root.iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert labels[0] == "0s" and all(label.endswith("s") for label in labels)


@pytest.mark.parametrize("peak", [0.004, 0.3, 7.0, 123456.0])
def test_the_y_labels_always_fit_on_the_left(peak):
    root = parse(render(chart(Series("a", [peak] * 60), unit=" s")))
    for left, _right, _y, text in text_boxes(root):
        assert left >= 0, text

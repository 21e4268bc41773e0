"""The plan's plot: days exercised and pain reports per week, over every linked device,
drawn on the server as SVG by pygal.  Its tooltips script, which it would fetch from
another site, is turned off; the small config script it still writes never runs (the
page shows the SVG as an image, and the SVG's own CSP forbids scripts), so the page
needs no script and prints as shown."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pygal
from pygal.style import Style

WEEKS = 8

PRINTABLE = Style(
    background="white",
    plot_background="white",
    foreground="#111",
    foreground_strong="#111",
    foreground_subtle="#555",
    colors=("#1f5f8b", "#b3261e"),
    font_family="sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(report: dict[str, Any], weeks: int = WEEKS) -> tuple[list[date], list[int], list[int]]:
    """The Mondays of the last ``weeks`` weeks, and per week the days exercised and the
    pain reports (each device's days in its own time zone)."""
    today = date.fromisoformat(report["date"])
    mondays = [week_of(today) - timedelta(weeks=n) for n in reversed(range(weeks))]
    exercised: Counter[date] = Counter()
    pains: Counter[date] = Counter()
    for person in report["linked"]:
        for day in person["days_exercised"]:
            exercised[week_of(date.fromisoformat(day))] += 1
        for event in person["pain_events"]:
            if event.get("date"):
                pains[week_of(date.fromisoformat(event["date"]))] += 1
    return mondays, [exercised[m] for m in mondays], [pains[m] for m in mondays]


def plot_svg(report: dict[str, Any], weeks: int = WEEKS) -> bytes:
    mondays, exercised, pains = weekly(report, weeks)
    chart = pygal.Bar(
        style=PRINTABLE,
        js=(),  # no script from anywhere
        disable_xml_declaration=False,
        width=720,
        height=320,
        title="Days exercised and pain reports, per week",
        x_title="Week starting",
        y_title="Count",
        legend_at_bottom=True,
        print_values=True,
        print_zeroes=False,
        min_scale=1,
        max_scale=7,
        range=(0, max(7, *exercised, *pains)),
    )
    chart.x_labels = [m.strftime("%d %b") for m in mondays]
    chart.add("Days exercised", exercised)
    chart.add("Pain reports", pains)
    return bytes(chart.render())

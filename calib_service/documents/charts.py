"""Small charts without a plotting library: geometry as primitives, rendered to SVG (and to PDF elsewhere).

A chart is a list of rectangles, lines and labels in a box whose origin is the top-left corner (SVG
convention). :func:`chart_svg` writes it as an inline SVG element; ``evidence_pdf`` draws the same
primitives with ReportLab (flipping y). Coordinates are rounded to 0.1 so output is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "Chart",
    "Label",
    "Line",
    "Rect",
    "bar_chart",
    "chart_svg",
    "hbar_chart",
    "nice_ceiling",
    "progress_chart",
]

BAR = "#3b6ea5"
GRID = "#d0d0d0"
Anchor = Literal["start", "middle", "end"]
INK = "#222222"
GOOD, FAIR, POOR = "#2e8b57", "#e39b2d", "#c0392b"


@dataclass(frozen=True)
class Rect:
    """A filled rectangle (top-left corner, width, height)."""

    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    """A straight line."""

    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID


@dataclass(frozen=True)
class Label:
    """Text whose baseline starts, centres or ends at (x, y)."""

    x: float
    y: float
    text: str
    size: float = 10.0
    anchor: Anchor = "start"
    fill: str = INK


Shape = Rect | Line | Label


@dataclass(frozen=True)
class Chart:
    """A chart: its box and its primitives."""

    width: float
    height: float
    title: str
    shapes: tuple[Shape, ...]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ not below ``value`` (1 for values ≤ 0).

    >>> nice_ceiling(120), nice_ceiling(7), nice_ceiling(0)
    (200.0, 10.0, 1.0)
    """
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exp
        if candidate >= value - 1e-12:
            return float(round(candidate, 10))
    return 10.0 ** (exp + 1)  # pragma: no cover - the loop always returns


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.3g}"


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], width: float = 520, height: float = 240
) -> Chart:
    """Vertical bars with the value above each bar and a scaled axis.

    Args:
        title: Printed above the chart.
        labels: One label per bar (e.g. month numbers).
        values: Non-negative values.
        width: Box width.
        height: Box height.

    Returns:
        The chart.
    """
    left, right, top, bottom = 40.0, 10.0, 30.0, 24.0
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = nice_ceiling(max(values, default=0))
    shapes: list[Shape] = [Label(width / 2, 16, title, 12, "middle")]
    for i in range(5):
        v = vmax * i / 4
        y = top + plot_h * (1 - i / 4)
        shapes += [Line(left, y, width - right, y), Label(left - 4, y + 3, _num(v), 8, "end")]
    slot = plot_w / max(len(values), 1)
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * v / vmax
        x = left + i * slot + slot * 0.15
        shapes.append(Rect(x, top + plot_h - h, slot * 0.7, h, BAR))
        shapes.append(Label(x + slot * 0.35, top + plot_h - h - 3, _num(v), 8, "middle"))
        shapes.append(Label(x + slot * 0.35, height - bottom + 14, lab, 9, "middle"))
    shapes.append(Line(left, top + plot_h, width - right, top + plot_h, INK))
    return Chart(width, height, title, tuple(shapes))


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[float], width: float = 520) -> Chart:
    """Horizontal bars, one row per label, the value after each bar.

    Args:
        title: Printed above the chart.
        labels: Row labels.
        values: Non-negative values.
        width: Box width.

    Returns:
        The chart (its height grows with the rows).
    """
    row, top, left, right = 22.0, 30.0, 150.0, 50.0
    height = top + row * len(values) + 10
    vmax = max(max(values, default=0), 1e-12)
    shapes: list[Shape] = [Label(width / 2, 16, title, 12, "middle")]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        w = (width - left - right) * v / vmax
        shapes.append(Label(left - 6, y + 14, lab, 9, "end"))
        shapes.append(Rect(left, y + 3, w, row - 8, BAR))
        shapes.append(Label(left + w + 4, y + 14, _num(v), 9))
    return Chart(width, height, title, tuple(shapes))


def progress_chart(
    title: str, labels: Sequence[str], percents: Sequence[float | None], width: float = 520
) -> Chart:
    """Progress bars to 100 % (capped in length, the true percentage printed); no target prints "—".

    Args:
        title: Printed above the chart.
        labels: Row labels.
        percents: Progress in percent, or None where there is no target.
        width: Box width.

    Returns:
        The chart.
    """
    row, top, left, right = 22.0, 30.0, 170.0, 56.0
    height = top + row * len(percents) + 10
    full = width - left - right
    shapes: list[Shape] = [Label(width / 2, 16, title, 12, "middle")]
    for i, (lab, pct) in enumerate(zip(labels, percents, strict=True)):
        y = top + i * row
        shapes.append(Label(left - 6, y + 14, lab, 9, "end"))
        shapes.append(Rect(left, y + 3, full, row - 8, "#eeeeee"))
        if pct is None:
            shapes.append(Label(left + full + 4, y + 14, "—", 9))
            continue
        colour = GOOD if pct >= 100 else FAIR if pct >= 50 else POOR
        shapes.append(Rect(left, y + 3, full * min(max(pct, 0.0), 100.0) / 100, row - 8, colour))
        shapes.append(Label(left + full + 4, y + 14, f"{pct:.1f} %", 9))
    shapes.append(Line(left + full, top, left + full, top + row * len(percents), INK))
    return Chart(width, height, title, tuple(shapes))


def _f(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def chart_svg(chart: Chart) -> str:
    """The chart as an inline ``<svg>`` element (accessible: ``role="img"`` with a ``<title>``).

    Args:
        chart: The chart.

    Returns:
        SVG markup.
    """
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(chart.width)}" height="{_f(chart.height)}" '
        f'viewBox="0 0 {_f(chart.width)} {_f(chart.height)}" role="img" font-family="sans-serif">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for s in chart.shapes:
        if isinstance(s, Rect):
            out.append(
                f'<rect x="{_f(s.x)}" y="{_f(s.y)}" width="{_f(s.w)}" height="{_f(s.h)}" fill="{s.fill}"/>'
            )
        elif isinstance(s, Line):
            out.append(
                f'<line x1="{_f(s.x1)}" y1="{_f(s.y1)}" x2="{_f(s.x2)}" y2="{_f(s.y2)}" stroke="{s.stroke}"/>'
            )
        else:
            out.append(
                f'<text x="{_f(s.x)}" y="{_f(s.y)}" font-size="{_f(s.size)}" '
                f'text-anchor={quoteattr(s.anchor)} fill="{s.fill}">{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)

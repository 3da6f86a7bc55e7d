"""Chain diagrams as hand-written SVG text (no drawing library): one calibration, the whole centre, and
control charts. The result is a ``str`` that the API serves and reports embed.

Traceability flows downward: the SI on top, national primary standards (国家计量基准) and certified
reference materials below it, then the laboratories' standards, and the result at the bottom. Links with
a problem are drawn red and dashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from calib_service.traceability.centre import CentreGraph
from calib_service.traceability.chain import Trace
from calib_service.traceability.checks import ControlChart
from calib_service.traceability.model_views import StandardRef

__all__ = ["centre_svg", "chain_svg", "control_chart_svg"]

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"
BOX_W = 270.0
GAP_X = 24.0
GAP_Y = 46.0
LINE_H = 16.0
PAD = 8.0
MARGIN = 20.0
LEVEL_ZH = {
    "national_primary": "国家计量基准",
    "secondary": "计量标准 (上级)",
    "working": "工作计量标准",
    "reference_material": "有证标准物质 CRM",
}
FILL = {
    "si": "#fde8c8",
    "national_primary": "#fff4d6",
    "secondary": "#e8f0fe",
    "working": "#e6f4ea",
    "reference_material": "#f3e8fd",
    "dut": "#f1f3f4",
}
OK = "#3c4043"
BAD = "#c5221f"


def _width(text: str, size: float) -> float:
    return sum(size if ord(ch) >= 0x2E80 else size * 0.58 for ch in text)


def _fit(text: str, size: float, max_w: float) -> str:
    if _width(text, size) <= max_w:
        return text
    out = ""
    for ch in text:
        if _width(out + ch + "…", size) > max_w:
            break
        out += ch
    return out + "…"


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 0x20)


def _text(
    x: float,
    y: float,
    text: str,
    size: float = 12,
    weight: str = "normal",
    fill: str = OK,
    anchor: str = "middle",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}">{escape(_clean(text))}</text>'
    )


@dataclass
class _Node:
    lines: list[str]
    style: str
    bad: bool = False
    children: list[_Node] = field(default_factory=list)
    x: float = 0.0
    row: int = 0

    @property
    def height(self) -> float:
        return PAD * 2 + LINE_H * len(self.lines)


def _box(node: _Node, x: float, y: float) -> list[str]:
    stroke = BAD if node.bad else OK
    dash = ' stroke-dasharray="5,3"' if node.bad else ""
    out = [
        f'<rect x="{x - BOX_W / 2:.1f}" y="{y:.1f}" width="{BOX_W:g}" height="{node.height:.1f}" rx="6" '
        f'fill="{FILL.get(node.style, "#ffffff")}" stroke="{stroke}" stroke-width="1.2"{dash}/>'
    ]
    for i, line in enumerate(node.lines):
        size = 12.5 if i == 0 else 11.0
        weight = "bold" if i == 0 else "normal"
        fill = BAD if node.bad and line.startswith("✗") else OK
        out.append(_text(x, y + PAD + LINE_H * (i + 0.8), _fit(line, size, BOX_W - 12), size, weight, fill))
    return out


def _arrow(x1: float, y1: float, x2: float, y2: float, bad: bool) -> str:
    colour = BAD if bad else OK
    dash = ' stroke-dasharray="5,3"' if bad else ""
    marker = "arrow-bad" if bad else "arrow"
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1.3"'
        f'{dash} marker-end="url(#{marker})"/>'
    )


def _document(width: float, height: float, title: str, body: list[str]) -> str:
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)}>',
        f"<title>{escape(_clean(title))}</title>",
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{OK}"/></marker>',
        '<marker id="arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{BAD}"/></marker>',
        "</defs>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def _standard_lines(s: StandardRef) -> list[str]:
    lines = [s.name, s.holder or "(holder unknown)", LEVEL_ZH.get(s.level, s.level)]
    if s.crm_number:
        lines[2] += f" {s.crm_number}"
    return lines


def _layout(root: _Node) -> tuple[int, int]:
    """Assign x (leaf columns) and rows (root row 0); return (columns, max row)."""
    col = 0
    max_row = 0

    def walk(node: _Node, row: int) -> None:
        nonlocal col, max_row
        node.row = row
        max_row = max(max_row, row)
        if not node.children:
            node.x = MARGIN + BOX_W / 2 + col * (BOX_W + GAP_X)
            col += 1
            return
        for child in node.children:
            walk(child, row + 1)
        node.x = (node.children[0].x + node.children[-1].x) / 2

    walk(root, 0)
    return max(col, 1), max_row


def _shift(node: _Node, dx: float) -> None:
    node.x += dx
    for child in node.children:
        _shift(child, dx)


def chain_svg(trace: Trace) -> str:
    """The chain of one calibration, from the SI down to the result, as SVG text."""
    root = _Node(
        [f"{trace.number}  {trace.day.isoformat()}", trace.dut, f"客户 customer: {trace.customer or '—'}"],
        "dut",
        bad=bool(trace.errors),
    )
    nodes: dict[int, _Node] = {}
    tops: list[_Node] = []
    for link in trace.links:
        cert = link.certificate
        lines = [f"{link.equipment} ({link.serial})"]
        if cert is None:
            lines.append("✗ no certificate")
        else:
            lines.append(f"{cert.number} — {cert.issuing_lab}")
            lines.append(
                f"U = {cert.expanded_uncertainty:g} {cert.uncertainty_unit} (k = {cert.coverage_factor:g})"
            )
            mark = "✓" if link.valid else "✗"
            lines.append(f"{mark} {cert.calibration_date} … {cert.due_date} on {link.judged_on}")
        own = next((s for s in link.standards if not s.external), None)
        style = own.level if own else (link.standards[0].level if link.standards else "working")
        bad = any(f.link == link.index and f.severity == "error" for f in trace.findings)
        node = _Node(lines, style, bad)
        nodes[link.index] = node
        (root if link.parent is None else nodes[link.parent]).children.append(node)
        top_std = link.top_standard()
        if top_std is not None:
            top = _Node(_standard_lines(top_std), top_std.level)
            node.children.append(top)
            tops.append(top)
    columns, max_row = _layout(root)
    rows_total = max_row + 2  # + the SI row
    row_h = max((n.height for n in [root, *nodes.values(), *tops]), default=60.0) + GAP_Y
    content = MARGIN * 2 + columns * BOX_W + (columns - 1) * GAP_X
    width = max(content, 560.0)
    _shift(root, (width - content) / 2)
    header = 34.0

    def y_of(row: int) -> float:
        return header + (rows_total - 1 - row) * row_h

    body = [_text(MARGIN, 22, f"溯源链 Traceability chain — {trace.number}", 15, "bold", anchor="start")]
    si = _Node(["SI 国际单位制", "International System of Units"], "si")
    si.x = sum(t.x for t in tops) / len(tops) if tops else width / 2
    body += _box(si, si.x, y_of(rows_total - 1))
    for top in tops:
        body.append(_arrow(si.x, y_of(rows_total - 1) + si.height, top.x, y_of(top.row) - 2, False))

    def draw(node: _Node) -> None:
        nonlocal body
        body += _box(node, node.x, y_of(node.row))
        for child in node.children:
            body.append(
                _arrow(
                    child.x, y_of(child.row) + child.height, node.x, y_of(node.row) - 2, node.bad or child.bad
                )
            )
            draw(child)

    draw(root)
    y = y_of(0) + root.height + 24
    status = "complete" if trace.complete else "BROKEN"
    body.append(
        _text(
            MARGIN,
            y,
            f"chain {status}; {len(trace.errors)} error(s)",
            12,
            "bold",
            BAD if trace.errors or not trace.complete else OK,
            "start",
        )
    )
    for f in trace.findings[:10]:
        y += 16
        body.append(
            _text(
                MARGIN,
                y,
                _fit(f"[{f.code}] {f.message}", 10.5, width - 2 * MARGIN),
                10.5,
                fill=BAD if f.severity == "error" else "#b06000",
                anchor="start",
            )
        )
    return _document(width, y + MARGIN, f"Traceability chain of {trace.number}", body)


def centre_svg(graph: CentreGraph, title: str = "计量检定系统 — centre traceability hierarchy") -> str:
    """The hierarchy of all standards (like a 计量检定系统表) as SVG text."""
    rows: dict[int, list[int]] = {}
    for i, n in enumerate(graph.nodes):
        rows.setdefault(n.row, []).append(i)
    max_cols = max((len(v) for v in rows.values()), default=1)
    width = max(MARGIN * 2 + max_cols * BOX_W + (max_cols - 1) * GAP_X, 560.0)
    box_h = PAD * 2 + LINE_H * 4
    row_h = box_h + GAP_Y
    header = 34.0
    pos: dict[int, tuple[float, float]] = {}
    si_y = header
    for row, members in sorted(rows.items()):
        span = len(members) * BOX_W + (len(members) - 1) * GAP_X
        x0 = (width - span) / 2 + BOX_W / 2
        for k, i in enumerate(members):
            pos[graph.nodes[i].standard.id] = (x0 + k * (BOX_W + GAP_X), header + (row + 1) * row_h)
    body = [_text(MARGIN, 22, f"{title} ({graph.as_of.isoformat()})", 15, "bold", anchor="start")]
    si = _Node(["SI 国际单位制", "International System of Units"], "si")
    body += _box(si, width / 2, si_y)
    for n in graph.nodes:
        if n.top:
            x, y = pos[n.standard.id]
            body.append(_arrow(width / 2, si_y + si.height, x, y - 2, False))
    for e in graph.edges:
        if e.upstream_id in pos and e.downstream_id in pos:
            (x1, y1), (x2, y2) = pos[e.upstream_id], pos[e.downstream_id]
            body.append(_arrow(x1, y1 + box_h, x2, y2 - 2, not e.valid))
            body.append(_text((x1 + x2) / 2 + 4, (y1 + box_h + y2) / 2, e.certificate, 9.5, anchor="start"))
    for n in graph.nodes:
        x, y = pos[n.standard.id]
        lines = _standard_lines(n.standard)
        lines.append(
            f"✗ {n.problem}" if n.problem else ("外部 external" if n.standard.external else "本中心 centre")
        )
        body += _box(_Node(lines, n.standard.level, bad=bool(n.problem)), x, y)
    height = header + (max(rows, default=0) + 2) * row_h + MARGIN
    return _document(width, height, title, body)


def control_chart_svg(chart: ControlChart) -> str:
    """A control chart (values with centre line and control limits, out-of-control points red)."""
    width, height = 640.0, 320.0
    left, right, top, bottom = 70.0, 20.0, 44.0, 50.0
    values = [p.value for p in chart.points]
    for p in chart.points:
        values += [v for v in (p.limit_low, p.limit_high, p.center) if v is not None]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = (hi - lo) * 0.1
    lo, hi = lo - pad, hi + pad
    n = len(chart.points)

    def px(i: int) -> float:
        return left + (width - left - right) * (0.5 if n == 1 else i / (n - 1))

    def py(v: float) -> float:
        return top + (height - top - bottom) * (hi - v) / (hi - lo)

    body = [
        _text(
            MARGIN,
            22,
            f"期间核查 control chart — {chart.equipment}, {chart.point}",
            14,
            "bold",
            anchor="start",
        ),
        f'<rect x="{left:g}" y="{top:g}" width="{width - left - right:g}" height="{height - top - bottom:g}" '
        f'fill="none" stroke="{OK}" stroke-width="0.8"/>',
    ]
    for attr, colour in (("limit_low", BAD), ("limit_high", BAD), ("center", "#1a73e8")):
        pts = [
            (px(i), py(getattr(p, attr))) for i, p in enumerate(chart.points) if getattr(p, attr) is not None
        ]
        if pts:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-dasharray="4,3"/>')
    body.append(
        '<polyline points="'
        + " ".join(f"{px(i):.1f},{py(p.value):.1f}" for i, p in enumerate(chart.points))
        + f'" fill="none" stroke="{OK}" stroke-width="1.2"/>'
    )
    for i, p in enumerate(chart.points):
        colour = BAD if p.out_of_control else OK
        body.append(f'<circle cx="{px(i):.1f}" cy="{py(p.value):.1f}" r="3.5" fill="{colour}"/>')
        body.append(_text(px(i), height - bottom + 16, p.checked_on.isoformat(), 9))
    for v in (lo + pad, (lo + hi) / 2, hi - pad):
        body.append(_text(left - 6, py(v) + 4, f"{v:.4g}", 10, anchor="end"))
    body.append(_text(left, height - 12, f"unit: {chart.unit}; method: {chart.method}", 10, anchor="start"))
    return _document(width, height, f"Control chart {chart.equipment} {chart.point}", body)

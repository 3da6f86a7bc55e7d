"""The evidence report as PDF: the same sections as the HTML page, charts drawn as vector graphics."""

from __future__ import annotations

import re

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from calib_service.documents import charts
from calib_service.documents.evidence_data import EvidenceReport
from calib_service.documents.evidence_view import Cell, Section, cell_text, evidence_sections, report_title
from calib_service.documents.fonts import PdfFont, cjk_font
from calib_service.documents.i18n import label
from calib_service.documents.pdf_common import PageFurniture, Styles, build_pdf, grid_table, printable

__all__ = ["chart_drawing", "render_evidence_pdf"]

_WIDTH = 174 * mm
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def chart_drawing(chart: charts.Chart, font: PdfFont, width: float = _WIDTH) -> Drawing:
    """Draw a chart's primitives with ReportLab, scaled to ``width`` points.

    Args:
        chart: The chart (SVG coordinates: origin top-left).
        font: Font for the labels.
        width: Width of the drawing in points.

    Returns:
        A flowable drawing.
    """
    s = width / chart.width
    h = chart.height
    group = Group(transform=(s, 0, 0, s, 0, 0))
    for shape in chart.shapes:
        if isinstance(shape, charts.Rect):
            rect = Rect(shape.x, h - shape.y - shape.h, shape.w, shape.h)
            rect.fillColor = colors.HexColor(shape.fill)
            rect.strokeColor = None
            group.add(rect)
        elif isinstance(shape, charts.Line):
            line = Line(shape.x1, h - shape.y1, shape.x2, h - shape.y2)
            line.strokeColor = colors.HexColor(shape.stroke)
            line.strokeWidth = 0.6
            group.add(line)
        else:
            text = String(
                shape.x, h - shape.y, printable(shape.text), fontName=font.name, fontSize=shape.size
            )
            text.textAnchor = shape.anchor
            text.fillColor = colors.HexColor(shape.fill)
            group.add(text)
    drawing = Drawing(width, h * s)
    drawing.add(group)
    return drawing


def _pdf_cell(cell: Cell) -> str:
    text = cell_text(cell)
    if _HEX64.match(text):
        return text[:32] + "\n" + text[32:]
    return text


def _widths(section: Section) -> list[float]:
    n = len(section.header)
    if n == 2:
        return [0.45 * _WIDTH, 0.55 * _WIDTH]
    first = 0.3 * _WIDTH
    return [first] + [(_WIDTH - first) / (n - 1)] * (n - 1)


def _story(report: EvidenceReport, lang: str, st: Styles, font: PdfFont) -> list[Flowable]:
    story: list[Flowable] = [
        st.p(report.centre.name.get(lang), st.subtitle),
        st.p(report_title(report, lang), st.title),
        Spacer(1, 3 * mm),
    ]
    for section in evidence_sections(report, lang):
        story.append(st.p(section.title, st.h2))
        story += [st.p(line, st.body) for line in section.lines if line]
        story += [chart_drawing(c, font) for c in section.charts]
        if section.header:
            rows = [[_pdf_cell(c) for c in row] for row in section.rows]
            story.append(grid_table(st, section.header, rows, _widths(section)))
    return story


def _furniture(report: EvidenceReport, lang: str, font: PdfFont) -> PageFurniture:
    def draw(canvas: Canvas, page: int, pages: int) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(font.name, 8)
        canvas.drawString(18 * mm, height - 12 * mm, printable(report.centre.name.get(lang)))
        canvas.drawRightString(width - 18 * mm, height - 12 * mm, report_title(report, lang))
        canvas.setLineWidth(0.5)
        canvas.line(18 * mm, height - 14 * mm, width - 18 * mm, height - 14 * mm)
        canvas.drawString(18 * mm, 10 * mm, report.as_of.isoformat())
        canvas.drawRightString(width - 18 * mm, 10 * mm, label("page_of", lang, page=page, pages=pages))
        canvas.restoreState()

    return draw


def render_evidence_pdf(report: EvidenceReport, lang: str = "zh", *, font: PdfFont | None = None) -> bytes:
    """The report as PDF, with the charts drawn.

    Args:
        report: The report.
        lang: ``zh`` (default) or ``en``.
        font: The CJK font; default :func:`.fonts.cjk_font`.

    Returns:
        The PDF bytes; its dates come from ``report.as_of``, so the same report gives the same bytes.

    Raises:
        EvidenceDataError: The report is inconsistent.
        DocumentError: Unknown language.
    """
    font = font or cjk_font()
    st = Styles(font, lang)
    story = _story(report, lang, st, font)
    return build_pdf(
        story,
        _furniture(report, lang, font),
        report.as_of,
        title=report_title(report, lang),
        author=report.centre.name.get(lang),
        subject=f"{report.year}",
        lang=lang,
    )

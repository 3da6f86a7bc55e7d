"""Shared PDF machinery: deterministic document set-up, page furniture with "page x of y", styles.

Determinism: ReportLab runs in ``invariant`` mode (fixed document ID, no random subset prefixes) and the
``CreationDate``/``ModDate`` entries are written from a date the caller passes (the certificate's issue
date, the report's ``as_of``), so the same data gives the same bytes.

"Page x of y" needs the page count before the furniture is drawn, so the canvas keeps each finished page
and draws the header and footer on all of them in :meth:`save` (the classic two-pass canvas).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from calib_service.documents.fonts import PdfFont

__all__ = [
    "PageFurniture",
    "Styles",
    "build_pdf",
    "esc",
    "format_date",
    "grid_table",
    "kv_table",
    "printable",
]

PageFurniture = Callable[[Canvas, int, int], None]
"""Draws header and footer on a canvas: ``(canvas, page number, page count)``."""


# characters some CJK fonts lack (wqy-zenhei has no U+2212 or U+2022) -> look-alikes they have
_SUBSTITUTES = str.maketrans({"\u2212": "-", "\u2022": "\u00b7"})


def printable(text: str) -> str:
    """Replace characters that the CJK fonts commonly lack by look-alikes (minus sign, bullet)."""
    return text.translate(_SUBSTITUTES)


def esc(text: str) -> str:
    """Escape text for a ReportLab paragraph (its markup is XML-like)."""
    return escape(printable(text)).replace("\n", "<br/>")


def format_date(day: dt.date, lang: str) -> str:
    """``2026年11月30日`` in Chinese, ISO ``2026-11-30`` in English."""
    if lang == "zh":
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    return day.isoformat()


class Styles:
    """Paragraph styles in the CJK font.

    Args:
        font: The registered font.
        lang: ``zh`` wraps with the CJK rules, ``en`` at spaces.
    """

    def __init__(self, font: PdfFont, lang: str) -> None:
        wrap = "CJK" if lang == "zh" else None
        base = ParagraphStyle("base", fontName=font.name, fontSize=9, leading=12, wordWrap=wrap)
        self.font = font
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10)
        self.title = ParagraphStyle("title", parent=base, fontSize=20, leading=26, alignment=1, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=10, leading=14, alignment=1)
        self.h2 = ParagraphStyle(
            "h2", parent=base, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3, keepWithNext=1
        )
        self.h3 = ParagraphStyle(
            "h3", parent=base, fontSize=9.5, leading=13, spaceBefore=5, spaceAfter=2, keepWithNext=1
        )

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain (escaped) text."""
        return Paragraph(esc(text), style or self.body)


def kv_table(styles: Styles, rows: Sequence[tuple[str, str]], width: float) -> Table:
    """A two-column label/value table without grid lines."""
    data = [[styles.p(k, styles.cell), styles.p(v, styles.cell)] for k, v in rows]
    table = Table(data, colWidths=[0.3 * width, 0.7 * width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def grid_table(
    styles: Styles, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> Table:
    """A gridded table whose first row repeats on every page."""
    data = [[styles.p(h, styles.cell) for h in header]]
    data += [[styles.p(c, styles.cell) for c in row] for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _canvas_class(furniture: PageFurniture, stamp: str) -> type[Canvas]:
    class _TwoPassCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: stamp)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab internal, stable since 2.x

        def save(self) -> None:
            count = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                furniture(self, number, count)
                super().showPage()
            super().save()

    return _TwoPassCanvas


def build_pdf(
    story: list[Flowable],
    furniture: PageFurniture,
    day: dt.date,
    *,
    title: str,
    author: str,
    subject: str,
    lang: str,
    margins_mm: tuple[float, float, float, float] = (18, 18, 24, 18),
) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF bytes.

    Args:
        story: The flowables.
        furniture: Draws header and footer on every page.
        day: The date written as the document's creation and modification date (midnight, UTC+8).
        title: Document title (PDF metadata).
        author: Author (PDF metadata).
        subject: Subject (PDF metadata).
        lang: Document language for the catalogue (``zh-CN`` or ``en``).
        margins_mm: Left, right, top, bottom margins in millimetres.

    Returns:
        The PDF file content.
    """
    stamp = f"D:{day.year:04d}{day.month:02d}{day.day:02d}000000+08'00'"
    buf = io.BytesIO()
    left, right, top, bottom = margins_mm
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=left * mm,
        rightMargin=right * mm,
        topMargin=top * mm,
        bottomMargin=bottom * mm,
        title=title,
        author=author,
        subject=subject,
        creator="calib-service",
        invariant=1,
        lang="zh-CN" if lang == "zh" else "en",
    )
    doc.build(story, canvasmaker=_canvas_class(furniture, stamp))
    return buf.getvalue()

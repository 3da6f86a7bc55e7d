"""The evidence report as an XLSX workbook: an overview, a sheet per task and the raw tables.

Byte-for-byte deterministic: the workbook's created/modified properties are set from ``as_of`` and the
zip entries get a fixed timestamp (openpyxl's ``save_workbook`` stamps the current time into both, so the
workbook is written with openpyxl's ``ExcelWriter`` and the archive is repacked).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from calib_service.documents.evidence_data import EvidenceReport
from calib_service.documents.evidence_view import Section, cell_text, evidence_sections, report_title

__all__ = ["SHEET_NAMES", "render_evidence_xlsx", "sheet_name"]

SHEET_NAMES: dict[str, tuple[str, str]] = {
    "overview": ("概览", "Overview"),
    "monthly": ("月度检定校准", "Monthly"),
    "families": ("器具类别", "Families"),
    "targets": ("目标进度", "Targets"),
    **{f"task{n}": (f"任务{n}", f"Task {n}") for n in range(1, 8)},
    "quality": ("质量体系", "Quality"),
    "score": ("自评分", "Score sheet"),
    "assessments": ("历年考核", "Assessments"),
    "index": ("证据索引", "Evidence index"),
}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")


def sheet_name(key: str, lang: str) -> str:
    """The worksheet name of a section in ``lang``."""
    zh, en = SHEET_NAMES[key]
    return en if lang == "en" else zh


def _fill(ws: Worksheet, section: Section, centre: str) -> None:
    ws.cell(row=1, column=1, value=section.title).font = _TITLE
    ws.cell(row=2, column=1, value=centre)
    row = 3
    for line in section.lines:
        if line:
            ws.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=False)
            row += 1
    row += 1
    widths = [len(h) for h in section.header]
    for col, head in enumerate(section.header, start=1):
        cell = ws.cell(row=row, column=col, value=head)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
    ws.freeze_panes = f"A{row + 1}"
    for values in section.rows:
        row += 1
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value)
            widths[col - 1] = max(widths[col - 1], len(cell_text(value)))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width * 1.6, 8), 70)


def _repack(raw: bytes, day: dt.date) -> bytes:
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_evidence_xlsx(report: EvidenceReport, lang: str = "zh") -> bytes:
    """The report as an XLSX workbook.

    Args:
        report: The report.
        lang: ``zh`` (default) or ``en``: sheet names, headings and texts.

    Returns:
        The XLSX bytes; the same report gives the same bytes.

    Raises:
        EvidenceDataError: The report is inconsistent.
        DocumentError: Unknown language.
    """
    sections = evidence_sections(report, lang)
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    centre = report.centre.name.get(lang)
    for section in sections:
        _fill(wb.create_sheet(sheet_name(section.key, lang)), section, centre)
    moment = dt.datetime(report.as_of.year, report.as_of.month, report.as_of.day)
    props = wb.properties
    props.creator = "calib-service"
    props.lastModifiedBy = "calib-service"
    props.title = report_title(report, lang)
    props.created = moment
    props.modified = moment
    props.language = "zh-CN" if lang == "zh" else "en"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return _repack(buf.getvalue(), report.as_of)

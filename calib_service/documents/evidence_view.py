"""The evidence report laid out as titled sections of tables and charts, in one language.

HTML, PDF and XLSX render the same :class:`Section` list, so the three formats cannot drift apart. Cells
keep numbers as numbers (the XLSX writes them as numbers; HTML and PDF print them with :func:`cell_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from calib_service.documents.charts import Chart, bar_chart, hbar_chart, progress_chart
from calib_service.documents.evidence_data import EvidenceReport, check_evidence
from calib_service.documents.i18n import check_lang

__all__ = ["Cell", "Section", "cell_text", "ev_label", "evidence_sections", "report_title"]

Cell = str | int | float | None

_L: dict[str, tuple[str, str]] = {
    "title": ("{year} 年度工作报告（任务证据）", "Annual work report {year}: task evidence"),
    "overview": ("概览", "Overview"),
    "centre": ("中心", "Centre"),
    "authorisation": ("计量授权证书号", "Authorisation No."),
    "as_of": ("数据截止日期", "Data as of"),
    "cal_total": ("全年检定/校准证书", "Certificates in the year"),
    "score_total": ("自评总分", "Self-assessment total"),
    "failed_years": ("累计年度考核不合格年数", "Failed annual assessments in total"),
    "threshold": ("撤销阈值", "Revocation threshold"),
    "task": ("任务 {n}", "Task {n}"),
    "metric": ("指标", "Metric"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "target": ("年度目标", "Target"),
    "progress": ("完成率 (%)", "Progress (%)"),
    "monthly": ("月度检定/校准数量", "Calibrations per month"),
    "month": ("月份", "Month"),
    "count": ("数量", "Count"),
    "families": ("器具类别分布", "Calibrations by instrument family"),
    "family": ("器具类别", "Instrument family"),
    "targets": ("重庆市目标进度", "Progress to the Chongqing targets"),
    "targets_2025": ("2025 年目标完成率", "Progress to the 2025 targets"),
    "targets_2030": ("2030 年目标完成率", "Progress to the 2030 targets"),
    "item": ("项目", "Item"),
    "achieved": ("已完成", "Achieved"),
    "t2025": ("2025 目标", "2025 target"),
    "t2030": ("2030 目标", "2030 target"),
    "p2025": ("2025 完成率 (%)", "2025 progress (%)"),
    "p2030": ("2030 完成率 (%)", "2030 progress (%)"),
    "quality": ("质量体系运行", "Quality system"),
    "category": ("类别", "Category"),
    "reference": ("编号", "Reference"),
    "date": ("日期", "Date"),
    "description": ("内容", "Description"),
    "outcome": ("结果/状态", "Outcome"),
    "closed": ("已关闭", "Closed"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "score": ("自评分表", "Self-assessment score sheet"),
    "task_no": ("任务", "Task"),
    "weight": ("分值", "Weight"),
    "evidence": ("证据数量", "Evidence"),
    "points": ("得分", "Score"),
    "total": ("合计", "Total"),
    "pass_line": ("合格线", "Pass line"),
    "result": ("结论", "Result"),
    "pass": ("合格", "pass"),
    "fail": ("不合格", "fail"),
    "governance": ("治理", "Governance"),
    "assessments": ("历年考核结果", "Annual assessment outcomes"),
    "year": ("年度", "Year"),
    "deadline": ("整改期限", "Rectification deadline"),
    "note": ("备注", "Note"),
    "audit": ("审计链", "Audit chain"),
    "audit_head": ("审计链头部摘要", "Audit chain head digest"),
    "index": ("证据文件索引", "Evidence index"),
    "file": ("文件", "File"),
    "qc.proficiency_test": ("能力验证", "Proficiency test"),
    "qc.complaint": ("投诉", "Complaint"),
    "qc.corrective_action": ("纠正措施", "Corrective action"),
    "qc.internal_audit": ("内部审核", "Internal audit"),
    "qc.management_review": ("管理评审", "Management review"),
}


def ev_label(key: str, lang: str, **fields: object) -> str:
    """An evidence-report label in ``lang``."""
    zh, en = _L[key]
    text = en if lang == "en" else zh
    return text.format(**fields) if fields else text


def report_title(report: EvidenceReport, lang: str) -> str:
    """The report title, e.g. ``2026 年度工作报告（任务证据）``."""
    return ev_label("title", lang, year=report.year)


@dataclass(frozen=True)
class Section:
    """A titled block: lines of text, an optional table, optional charts.

    Attributes:
        key: Stable identifier (also the XLSX sheet name's source).
        title: Printed heading.
        lines: Paragraphs before the table.
        header: Column headings (empty when there is no table).
        rows: Table rows.
        charts: Charts after the table.
    """

    key: str
    title: str
    lines: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    charts: tuple[Chart, ...] = field(default_factory=tuple)


def cell_text(cell: Cell) -> str:
    """Print a cell: None as empty, whole floats without ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.0f}" if cell.is_integer() else f"{cell:g}"
    return str(cell)


def _overview(r: EvidenceReport, lang: str) -> Section:
    sheet = r.score_sheet
    rows: tuple[tuple[Cell, ...], ...] = (
        (ev_label("centre", lang), r.centre.name.get(lang)),
        (ev_label("authorisation", lang), r.centre.authorisation_number),
        (ev_label("as_of", lang), r.as_of.isoformat()),
        (ev_label("cal_total", lang), r.calibrations_total),
        (ev_label("score_total", lang), sheet.total),
        (ev_label("failed_years", lang), r.cumulative_failed_years),
        (ev_label("threshold", lang), r.revocation_threshold),
        (ev_label("audit_head", lang), r.audit_chain_head),
    )
    return Section(
        "overview", ev_label("overview", lang), (), (ev_label("item", lang), ev_label("value", lang)), rows
    )


def _tasks(r: EvidenceReport, lang: str) -> list[Section]:
    header = tuple(ev_label(k, lang) for k in ("metric", "value", "unit", "target", "progress"))
    out = []
    for t in sorted(r.tasks, key=lambda t: t.number):
        rows = tuple((m.name.get(lang), m.value, m.unit.get(lang), m.target, m.progress) for m in t.metrics)
        lines = (t.summary.get(lang),) if t.summary else ()
        title = f"{ev_label('task', lang, n=t.number)} {t.name.get(lang)}"
        out.append(Section(f"task{t.number}", title, lines, header, rows))
    return out


def _charts(r: EvidenceReport, lang: str) -> list[Section]:
    months = tuple(str(i) for i in range(1, 13))
    monthly = Section(
        "monthly",
        ev_label("monthly", lang),
        (),
        (ev_label("month", lang), ev_label("count", lang)),
        tuple((i, n) for i, n in enumerate(r.monthly_calibrations, start=1)),
        (bar_chart(ev_label("monthly", lang), months, [float(n) for n in r.monthly_calibrations]),),
    )
    fam_names = [f.name.get(lang) for f in r.families]
    families = Section(
        "families",
        ev_label("families", lang),
        (),
        (ev_label("family", lang), ev_label("count", lang)),
        tuple((f.name.get(lang), f.count) for f in r.families),
        (hbar_chart(ev_label("families", lang), fam_names, [float(f.count) for f in r.families]),),
    )
    t_names = [t.name.get(lang) for t in r.targets]
    targets = Section(
        "targets",
        ev_label("targets", lang),
        (),
        tuple(ev_label(k, lang) for k in ("item", "achieved", "t2025", "t2030", "p2025", "p2030")),
        tuple(
            (t.name.get(lang), t.achieved, t.target_2025, t.target_2030, t.progress_2025, t.progress_2030)
            for t in r.targets
        ),
        (
            progress_chart(ev_label("targets_2025", lang), t_names, [t.progress_2025 for t in r.targets]),
            progress_chart(ev_label("targets_2030", lang), t_names, [t.progress_2030 for t in r.targets]),
        ),
    )
    return [monthly, families, targets]


def _quality(r: EvidenceReport, lang: str) -> Section:
    header = tuple(
        ev_label(k, lang) for k in ("category", "reference", "date", "description", "outcome", "closed")
    )
    rows = tuple(
        (
            ev_label(f"qc.{q.category.value}", lang),
            q.reference,
            q.date.isoformat(),
            q.description.get(lang),
            q.outcome.get(lang),
            ev_label("yes" if q.closed else "no", lang),
        )
        for q in sorted(r.quality, key=lambda q: (q.date, q.reference))
    )
    return Section("quality", ev_label("quality", lang), (), header, rows)


def _score(r: EvidenceReport, lang: str) -> Section:
    s = r.score_sheet
    header = tuple(ev_label(k, lang) for k in ("task_no", "item", "weight", "evidence", "target", "points"))
    rows: list[tuple[Cell, ...]] = [
        (
            i.task if i.task else ev_label("governance", lang),
            i.name.get(lang),
            i.weight,
            i.evidence,
            i.target,
            i.score,
        )
        for i in s.items
    ]
    rows.append(("", ev_label("total", lang), s.scale, None, None, s.total))
    verdict = ev_label("pass" if s.passed else "fail", lang)
    lines = (
        s.title.get(lang),
        s.notice.get(lang),
        f"{ev_label('total', lang)}: {cell_text(s.total)} / {cell_text(s.scale)}; "
        f"{ev_label('pass_line', lang)}: {cell_text(s.pass_line)}; {ev_label('result', lang)}: {verdict}",
    )
    return Section("score", ev_label("score", lang), lines, header, tuple(rows))


def _assessments(r: EvidenceReport, lang: str) -> Section:
    header = tuple(ev_label(k, lang) for k in ("year", "result", "points", "deadline", "note"))
    rows = tuple(
        (
            a.year,
            ev_label("pass" if a.passed else "fail", lang),
            a.score,
            a.rectification_deadline.isoformat() if a.rectification_deadline else None,
            a.note.get(lang),
        )
        for a in sorted(r.assessments, key=lambda a: a.year)
    )
    line = (
        f"{ev_label('failed_years', lang)}: {r.cumulative_failed_years} / "
        f"{ev_label('threshold', lang)}: {r.revocation_threshold}"
    )
    return Section("assessments", ev_label("assessments", lang), (line,), header, rows)


def _index(r: EvidenceReport, lang: str) -> Section:
    header = (ev_label("file", lang), "SHA-256", ev_label("description", lang))
    rows = tuple((f.name, f.sha256, f.description.get(lang)) for f in r.evidence_index)
    lines = (f"{ev_label('audit_head', lang)}: {r.audit_chain_head}",)
    return Section("index", ev_label("index", lang), lines, header, rows)


def evidence_sections(report: EvidenceReport, lang: str = "zh") -> list[Section]:
    """The report as sections, in print order.

    Args:
        report: The report.
        lang: ``zh`` (default) or ``en``.

    Returns:
        Overview, the seven tasks, monthly counts, families, targets, quality, score sheet,
        assessments and the evidence index.

    Raises:
        EvidenceDataError: The report is inconsistent.
        DocumentError: Unknown language.
    """
    check_lang(lang)
    check_evidence(report)
    return [
        _overview(report, lang),
        *_charts(report, lang),
        *_tasks(report, lang),
        _quality(report, lang),
        _score(report, lang),
        _assessments(report, lang),
        _index(report, lang),
    ]

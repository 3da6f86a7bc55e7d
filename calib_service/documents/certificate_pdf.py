"""Render a certificate (检定证书, 检定结果通知书, 校准证书) as PDF.

Content follows ISO/IEC 17025:2017 7.8.2 and 7.8.4 and JJF 1059.1-2012: title per kind; the unique number
and "page x of y" on every page; laboratory, its authorisation (计量授权证书号) and standard certificates
(计量标准考核证书号); customer; item and its condition; dates; method; environmental conditions;
standards with the traceability statement; results (as found and as left) with units, U and k; the
decision rule and the statement of conformity; signatories. U is printed with at most two significant
digits and each error to the same decimal place (:func:`.rounding.round_result`).
"""

from __future__ import annotations

import math

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from calib_service.documents.certificate_data import (
    CertificateData,
    CertificateKind,
    Decision,
    MeasurementPoint,
    ResultSet,
    check_certificate,
)
from calib_service.documents.fonts import PdfFont, cjk_font
from calib_service.documents.i18n import LABELS, check_lang, label
from calib_service.documents.pdf_common import (
    PageFurniture,
    Styles,
    build_pdf,
    format_date,
    grid_table,
    kv_table,
    printable,
)
from calib_service.documents.rounding import format_number, format_significant, round_result, round_to_place
from calib_service.documents.units import unit_symbol

__all__ = ["certificate_title", "conformity_sentence", "point_cells", "render_certificate_pdf"]

_WIDTH = 174 * mm  # A4 minus 18 mm margins


def certificate_title(kind: CertificateKind, lang: str) -> str:
    """The title printed for ``kind`` (e.g. 检定证书 / Verification Certificate)."""
    return label(f"title.{kind.value}", lang)


def _qty(value: str, unit: str) -> str:
    sym = unit_symbol(unit)
    return f"{value} {sym}".strip() if sym else value


def _kl(key: str, kind: CertificateKind, lang: str) -> str:
    """A label specialised for verification or calibration when one exists."""
    family = "calibration" if kind is CertificateKind.CALIBRATION else "verification"
    return label(f"{key}.{family}" if f"{key}.{family}" in LABELS else key, lang)


def _decision(decision: Decision | None, lang: str) -> str:
    return label(f"decision.{decision.value}" if decision else "decision.none", lang)


def _common_unit(units: set[str]) -> str | None:
    symbols = {unit_symbol(u) for u in units}
    return symbols.pop() if len(symbols) == 1 else None


def _value_text(x: float, point: MeasurementPoint) -> str:
    """A reference value or indication, rounded to the place of the point's U expressed in its unit (two
    significant digits of U: one digit finer than any claim the row makes), else to 6 significant digits."""
    u = point.uncertainty
    if u is not None and u > 0:
        if point.error_unit == point.value_unit:
            u_abs = u
        elif point.error_unit in ("%", "percent") and point.reference_value:
            u_abs = u / 100.0 * abs(point.reference_value)
        else:
            u_abs = 0.0
        if u_abs > 0 and math.isfinite(u_abs):
            return round_to_place(x, math.floor(math.log10(u_abs)) - 1)
    return format_significant(x)


def point_cells(point: MeasurementPoint, lang: str, *, units_in_cells: bool = True) -> list[str]:
    """The printed cells of one result row: point, reference, indication, error, MPE, U, k, decision.

    Args:
        point: The row.
        lang: ``zh`` or ``en``.
        units_in_cells: Print the unit after each number (else the column header carries it).

    Returns:
        Eight strings, numbers rounded (U to two significant digits, error to the same place).
    """

    def q(value: str, unit: str) -> str:
        return _qty(value, unit) if units_in_cells else value

    if point.uncertainty is None:
        error, u = format_number(point.error), "—"
    else:
        error, u, _ = round_result(point.error, point.uncertainty)
    ref, ind = (
        "" if v is None else q(_value_text(v, point), point.value_unit)
        for v in (point.reference_value, point.indication)
    )
    mpe = "" if point.mpe is None else q("±" + format_number(point.mpe), point.error_unit)
    return [
        point.label.get(lang),
        ref,
        ind,
        q(error, point.error_unit),
        mpe,
        u if point.uncertainty is None else q(u, point.error_unit),
        "—" if point.k is None else format_number(point.k),
        _decision(point.decision, lang),
    ]


def conformity_sentence(data: CertificateData, lang: str) -> str:
    """The statement of conformity (ISO/IEC 17025 7.8.6): result, specification and rule."""
    norm = data.method.number
    if data.conformity is None:
        return "本证书不作符合性判定。" if lang == "zh" else "No statement of conformity is made."
    if lang == "zh":
        verdict = {Decision.PASS: "符合", Decision.FAIL: "不符合", Decision.UNDETERMINED: "无法判定是否符合"}
        outcome = _decision(data.conformity, lang)
        return f"按上述判定规则，被检器具{verdict[data.conformity]} {norm} 的要求，结论：{outcome}。"
    verdict_en = {
        Decision.PASS: "conforms to",
        Decision.FAIL: "does not conform to",
        Decision.UNDETERMINED: "cannot be declared to conform or not to conform to",
    }
    return (
        f"Under the decision rule stated above, the item {verdict_en[data.conformity]} the requirements "
        f"of {norm}. Conclusion: {_decision(data.conformity, lang)}."
    )


def _admin_rows(data: CertificateData, lang: str) -> list[tuple[str, str]]:
    begin, end = data.performance_dates
    dates = (
        format_date(begin, lang) if begin == end else f"{format_date(begin, lang)} – {format_date(end, lang)}"
    )
    rows = [
        (label("customer", lang), data.customer.name.get(lang)),
        (label("customer_address", lang), data.customer.address.get(lang)),
        (label("item", lang), data.item.description.get(lang)),
        (label("manufacturer", lang), data.item.manufacturer),
        (label("model", lang), data.item.model),
        (label("serial", lang), data.item.serial_number),
    ]
    if data.item.accuracy_class:
        rows.append((label("accuracy_class", lang), data.item.accuracy_class))
    rows += [
        (label("condition", lang), data.item.condition_on_receipt.get(lang)),
        (label("receipt_date", lang), format_date(data.receipt_date, lang)),
        (_kl("performance_date", data.kind, lang), dates),
        (label("location", lang), data.location.get(lang)),
        (label("method", lang), f"{data.method.number} {data.method.title.get(lang)}"),
    ]
    if data.conformity is not None:
        rows.append((label("conclusion", lang), _decision(data.conformity, lang)))
    if data.validity is not None:
        rows.append((label("period", lang), label("months", lang, n=data.validity.period_months)))
        rows.append((label("valid_until", lang), format_date(data.validity.valid_until, lang)))
    rows.append((label("issue_date", lang), format_date(data.issue_date, lang)))
    return rows


def _centre_rows(data: CertificateData, lang: str) -> list[tuple[str, str]]:
    c = data.centre
    rows = [
        (label("authorised_by", lang), data.authorised_by.name),
        (label("reviewed_by", lang), data.reviewed_by.name),
        (_kl("performed_by", data.kind, lang), data.performed_by.name),
        (label("centre_address", lang), c.address.get(lang)),
        (label("centre_email", lang), c.email),
        (label("authorisation_no", lang), c.authorisation_number),
    ]
    if c.standard_certificate_numbers:
        rows.append((label("standard_cert_nos", lang), "; ".join(c.standard_certificate_numbers)))
    return rows


def _result_section(st: Styles, rs: ResultSet, lang: str) -> list[Flowable]:
    heading = rs.name.get(lang)
    if rs.state is not None:
        heading = f"{heading} — {label('state.' + rs.state.value, lang)}"
    value_sym = _common_unit({p.value_unit for p in rs.points})
    error_sym = _common_unit({p.error_unit for p in rs.points})
    uniform = value_sym is not None and error_sym is not None

    def head(key: str, sym: str | None) -> str:
        return f"{label(key, lang)} ({sym})" if uniform and sym else label(key, lang)

    header = [
        label("col.point", lang),
        head("col.reference", value_sym),
        head("col.indication", value_sym),
        head("col.error", error_sym),
        head("col.mpe", error_sym),
        head("col.u", error_sym),
        label("col.k", lang),
        label("col.decision", lang),
    ]
    widths = [w * mm for w in (36, 21, 21, 20, 21, 23, 10, 22)]
    rows = [point_cells(p, lang, units_in_cells=not uniform) for p in rs.points]
    probs = sorted({round(p.coverage_probability * 100, 2) for p in rs.points})
    p_text = "/".join(format_number(p) for p in probs)
    return [
        st.p(heading, st.h3),
        grid_table(st, header, rows, widths),
        st.p(label("uncertainty_note", lang, p=p_text), st.small),
    ]


def _story(data: CertificateData, lang: str, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        st.p(data.centre.name.get(lang), st.subtitle),
        st.p(certificate_title(data.kind, lang), st.title),
        st.p(f"{label('cert_no', lang)}: {data.number}", st.subtitle),
        Spacer(1, 4 * mm),
        kv_table(st, _admin_rows(data, lang), _WIDTH),
        Spacer(1, 3 * mm),
        kv_table(st, _centre_rows(data, lang), _WIDTH),
    ]
    if data.replaces:
        story.append(st.p(f"{label('replaces', lang)}: {data.replaces}", st.h3))
    story.append(st.p(label("sec.environment", lang), st.h2))
    env_rows = [[e.quantity.get(lang), _qty(format_number(e.value), e.unit)] for e in data.environment]
    story.append(
        grid_table(st, [label("col.quantity", lang), label("col.value", lang)], env_rows, [60 * mm, 60 * mm])
    )
    story.append(st.p(label("sec.standards", lang), st.h2))
    std_rows = [
        [
            s.name.get(lang),
            s.serial_number,
            s.certificate_number,
            s.issuing_lab.get(lang),
            f"U = {_qty(format_number(s.uncertainty), s.uncertainty_unit)}, k = {format_number(s.k)}",
            format_date(s.valid_until, lang),
        ]
        for s in data.standards
    ]
    std_header = [
        label(k, lang)
        for k in ("col.name", "col.std_serial", "col.std_cert", "col.std_lab", "col.std_u", "col.std_valid")
    ]
    story.append(grid_table(st, std_header, std_rows, [w * mm for w in (36, 22, 26, 32, 32, 26)]))
    story.append(st.p(f"{label('sec.traceability', lang)}: {data.traceability_statement.get(lang)}", st.body))
    story.append(st.p(_kl("sec.results", data.kind, lang), st.h2))
    for rs in data.results:
        story += _result_section(st, rs, lang)
    if data.kind is CertificateKind.VERIFICATION_NOTICE:
        failed = [
            f"{rs.name.get(lang)}: {p.label.get(lang)}"
            for rs in data.results
            for p in rs.points
            if p.decision is Decision.FAIL
        ]
        if failed:
            story.append(st.p(label("sec.failed_points", lang), st.h2))
            story += [st.p("• " + f, st.body) for f in failed]
    story.append(st.p(label("sec.decision_rule", lang), st.h2))
    story.append(st.p(data.decision_rule.get(lang), st.body))
    story.append(st.p(label("sec.conformity", lang), st.h2))
    story.append(st.p(conformity_sentence(data, lang), st.body))
    if data.notes:
        story.append(st.p(label("sec.notes", lang), st.h2))
        story += [st.p(n.get(lang), st.body) for n in data.notes]
    story.append(
        st.p(f"{label('sec.software', lang)}: {data.software.name} {data.software.version}", st.small)
    )
    story.append(Spacer(1, 2 * mm))
    story.append(st.p(label("statement.scope", lang), st.small))
    story.append(st.p(label("end", lang), st.subtitle))
    return story


def _furniture(data: CertificateData, lang: str, font: PdfFont) -> PageFurniture:
    def draw(canvas: Canvas, page: int, pages: int) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(font.name, 8)
        canvas.drawString(18 * mm, height - 12 * mm, printable(data.centre.name.get(lang)))
        canvas.drawRightString(width - 18 * mm, height - 12 * mm, f"{label('cert_no', lang)}: {data.number}")
        canvas.setLineWidth(0.5)
        canvas.line(18 * mm, height - 14 * mm, width - 18 * mm, height - 14 * mm)
        canvas.line(18 * mm, 14 * mm, width - 18 * mm, 14 * mm)
        canvas.drawString(
            18 * mm, 10 * mm, f"{label('authorisation_no', lang)}: {data.centre.authorisation_number}"
        )
        canvas.drawRightString(width - 18 * mm, 10 * mm, label("page_of", lang, page=page, pages=pages))
        canvas.restoreState()

    return draw


def render_certificate_pdf(data: CertificateData, lang: str = "zh", *, font: PdfFont | None = None) -> bytes:
    """Render ``data`` as a PDF certificate.

    Args:
        data: The certificate data.
        lang: ``"zh"`` (default) or ``"en"``; must be one of ``data.langs``.
        font: The CJK font; default :func:`.fonts.cjk_font` (embedded subset, else STSong-Light).

    Returns:
        The PDF bytes; the same data, language and font give the same bytes.

    Raises:
        CertificateRefused: A verification whose outcome is undetermined (待定).
        CertificateDataError: Inconsistent data (the message names the field).
        DocumentError: ``lang`` is not one of the certificate's languages, or a unit is unknown.
    """
    check_certificate(data)
    check_lang(lang, data.langs)
    font = font or cjk_font()
    st = Styles(font, lang)
    furniture = _furniture(data, lang, font)
    return build_pdf(
        _story(data, lang, st),
        furniture,
        data.issue_date,
        title=f"{certificate_title(data.kind, lang)} {data.number}",
        author=data.centre.name.get(lang),
        subject=f"{data.item.description.get(lang)} {data.item.serial_number}",
        lang=lang,
    )

"""Build a :class:`~calib_service.documents.CertificateData` from a stored calibration record.

Everything printed comes from the records: customer and item (with the condition on receipt from the
job), the procedure, environmental conditions, the standards used with their certificates and the
traceability chain (``calib_service.traceability``), the as-found/as-left result sets with units, MPE,
U, k and decisions, the decision rule (``calib_service.decision.RULE_TEXT``), who performed, reviewed
and approved the work (the records workflow), the centre's authorisation number and the assessment
certificates (计量标准考核证书) of the centre's own standards used. Nothing is typed in.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.certificates.centre import DEFAULT_PROFILE, centre_of, current_profile
from calib_service.certificates.validity import period_for, valid_until
from calib_service.decision import RULE_TEXT, combine_decisions
from calib_service.documents import (
    CertificateData,
    CertificateKind,
    CertificateRefused,
    Customer,
    Decision,
    EnvironmentCondition,
    Item,
    MeasurementPoint,
    Method,
    Person,
    ResultSet,
    ResultState,
    Software,
    StandardUsed,
    Text,
    VerificationValidity,
)
from calib_service.errors import RecordValidationError
from calib_service.models import (
    Calibration,
    CalibrationPoint,
    Equipment,
    Job,
    JobItem,
    StandardCertificate,
    User,
)
from calib_service.models import Customer as CustomerRow
from calib_service.services.calibrations import get_calibration
from calib_service.traceability import DEFAULT_TZ, own_standards, trace_calibration

__all__ = ["BuiltCertificate", "build_certificate_data", "certificate_kind", "certificate_number"]

_KIND_CODE = {
    CertificateKind.VERIFICATION: "JD",
    CertificateKind.VERIFICATION_NOTICE: "JT",
    CertificateKind.CALIBRATION: "JZ",
}

#: Printed names of the environmental quantities the runner and technicians record.
ENV_LABELS: dict[str, tuple[str, str]] = {
    "ambient_temperature": ("温度", "Temperature"),
    "temperature": ("温度", "Temperature"),
    "relative_humidity": ("相对湿度", "Relative humidity"),
    "humidity": ("相对湿度", "Relative humidity"),
    "atmospheric_pressure": ("大气压力", "Atmospheric pressure"),
    "pressure": ("大气压力", "Atmospheric pressure"),
    "supply_voltage": ("电源电压", "Supply voltage"),
    "frequency": ("电源频率", "Supply frequency"),
    "water_temperature": ("水温", "Water temperature"),
}

_RESULTS_NAME = Text("测量结果", "Results")
"""Heading of each result table; the renderers add the as-found / as-left state themselves."""


@dataclass(frozen=True)
class BuiltCertificate:
    """The certificate data and what it rests on that is flagged internally (not printed)."""

    data: CertificateData
    internal_flags: tuple[str, ...]


def _version() -> str:
    try:
        return importlib.metadata.version("calib-service")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.1.0"


def certificate_kind(cal: Calibration) -> tuple[CertificateKind, Decision | None]:
    """The kind of document a calibration gets and its overall conformity.

    Raises:
        CertificateRefused: a verification whose outcome is undetermined (待定) or not decided.
    """
    decision = cal.decision
    if decision is None and cal.points:
        decision = combine_decisions([p.decision for p in cal.points])
    if cal.procedure.kind == "verification":
        if decision is None or decision not in ("pass", "fail"):
            raise CertificateRefused(
                f"calibration {cal.number}: the verification outcome is {decision or 'not decided'} (待定); "
                "no 检定证书 or 检定结果通知书 is issued. Reduce the uncertainty and repeat the "
                "verification, or calibrate the item instead (校准证书)"
            )
        kind = CertificateKind.VERIFICATION if decision == "pass" else CertificateKind.VERIFICATION_NOTICE
        return kind, Decision(decision)
    has_decisions = any(p.decision for p in cal.points)
    conformity = None
    if has_decisions and decision is not None and decision in ("pass", "fail", "undetermined"):
        conformity = Decision(decision)
    return CertificateKind.CALIBRATION, conformity


def certificate_number(*, session: Session, cal: Calibration, kind: CertificateKind, issue_date: date) -> str:
    """``<prefix>-<JD|JT|JZ>-<year>-<calibration id, 6 digits>``: unique, one per calibration record."""
    row = current_profile(session=session)
    prefix = row.certificate_prefix if row is not None else DEFAULT_PROFILE["certificate_prefix"]
    return f"{prefix}-{_KIND_CODE[kind]}-{issue_date.year}-{cal.id:06d}"


def _person(session: Session, user_id: int | None, fallback: User | None = None) -> Person:
    user = session.get(User, user_id) if user_id is not None else fallback
    if user is None:
        return Person("")
    return Person(user.full_name or user.username)


def _customer(session: Session, cal: Calibration, dut: Equipment) -> Customer:
    cid = cal.customer_id if cal.customer_id is not None else dut.owner_id
    row = session.get(CustomerRow, cid) if cid is not None else None
    if row is None:
        raise RecordValidationError(
            f"calibration {cal.number} has no customer; record the customer before issuing a certificate"
        )
    if not row.email.strip():
        raise RecordValidationError(
            f"customer {row.name!r} has no e-mail address; record one (the DCC 3.1.2 requires eMail)"
        )
    return Customer(name=Text(row.name), address=Text(row.address), email=row.email, city="重庆")


def _job(session: Session, cal: Calibration) -> tuple[Job | None, JobItem | None]:
    if cal.job_id is None:
        return None, None
    job = session.get(Job, cal.job_id)
    item = session.scalars(
        select(JobItem).where(JobItem.job_id == cal.job_id, JobItem.equipment_id == cal.dut_id)
    ).first()
    return job, item


def _environment(cal: Calibration) -> tuple[EnvironmentCondition, ...]:
    out = []
    for rec in cal.environment:
        zh, en = ENV_LABELS.get(rec.quantity, (rec.quantity, rec.quantity))
        unit = "percent_RH" if "humid" in rec.quantity and rec.unit == "percent" else rec.unit
        out.append(EnvironmentCondition(Text(zh, en), rec.value, unit))
    return tuple(out)


def _standards(session: Session, cal: Calibration, day: date) -> tuple[tuple[StandardUsed, ...], list[str]]:
    used: list[StandardUsed] = []
    assessment_numbers: list[str] = []
    for link in cal.standards:
        equipment = session.get(Equipment, link.equipment_id)
        assert equipment is not None
        cert = session.get(StandardCertificate, link.certificate_id) if link.certificate_id else None
        if cert is None:
            cert = session.scalars(
                select(StandardCertificate)
                .where(
                    StandardCertificate.equipment_id == equipment.id,
                    StandardCertificate.calibration_date <= day,
                    StandardCertificate.due_date >= day,
                )
                .order_by(StandardCertificate.calibration_date.desc())
            ).first()
        if cert is None:
            raise RecordValidationError(
                f"standard {equipment.description} (serial {equipment.serial}) used in {cal.number} has no "
                f"certificate valid on {day}; record its certificate before issuing"
            )
        used.append(
            StandardUsed(
                name=Text(equipment.description),
                serial_number=equipment.serial,
                certificate_number=cert.number,
                issuing_lab=Text(cert.issuing_lab),
                uncertainty=cert.expanded_uncertainty,
                uncertainty_unit=cert.uncertainty_unit,
                k=cert.coverage_factor,
                valid_until=cert.due_date,
                certificate_sha256=cert.file_sha256 or "",
            )
        )
        for std in own_standards(session=session, equipment=equipment):
            if std.assessment_certificate_no:
                assessment_numbers.append(std.assessment_certificate_no)
    return tuple(used), assessment_numbers


def _traceability(session: Session, cal: Calibration, standards: tuple[StandardUsed, ...]) -> Text:
    labs = list(dict.fromkeys(s.issuing_lab.zh for s in standards))
    trace = trace_calibration(session=session, calibration_id=cal.id)
    tops = [t.label() for t in trace.tops()]
    via = "、".join(labs)
    if trace.complete and tops:
        top = "、".join(tops)
        return Text(
            f"所用计量标准由{via}检定/校准，证书在有效期内，经不间断的溯源链溯源至{top}，复现国际单位制（SI）单位。",
            f"The standards used were calibrated by {', '.join(labs)} under valid certificates and are "
            f"traceable through an unbroken chain to {', '.join(tops)}, realising the SI units.",
        )
    return Text(
        f"所用计量标准由{via}检定/校准，证书在有效期内。",
        f"The standards used were calibrated by {', '.join(labs)} under valid certificates.",
    )


#: Printed names of the check points, whose stored label is the check's code.
CHECK_LABELS: dict[str, tuple[str, str]] = {
    "repeatability": ("重复性", "Repeatability"),
    "response_time": ("响应时间 T90", "Response time T90"),
    "zero_drift": ("零点漂移", "Zero drift"),
    "span_drift": ("量程漂移", "Span drift"),
    "pressure_loss": ("压力损失", "Pressure loss"),
    "cyclic_volume": ("回转体积", "Cyclic volume"),
}


def _label(p: CalibrationPoint) -> Text:
    """The point's printed name: a check by its Chinese and English name, else the stored label."""
    if p.parameters.get("check"):
        if p.label in CHECK_LABELS:
            return Text(*CHECK_LABELS[p.label])
        if p.label.startswith("interference_"):
            gas = p.label.removeprefix("interference_")
            return Text(f"{gas} 干扰", f"Interference of {gas}")
    return Text(p.label, str(p.parameters.get("label_en") or ""))


def _point(p: CalibrationPoint) -> MeasurementPoint:
    check = bool(p.parameters.get("check"))  # drift, repeatability, T90: value against limit, no budget
    return MeasurementPoint(
        label=_label(p),
        error=p.error,
        error_unit=p.error_unit,
        uncertainty=None if check else p.expanded_uncertainty,
        k=None if check else p.coverage_factor,
        reference_value=p.reference_value,
        indication=p.indication,
        value_unit=p.reference_unit or p.indication_unit,
        mpe=None if p.mpe is None else abs(p.mpe),
        decision=Decision(p.decision) if p.decision in ("pass", "fail", "undetermined") else None,
    )


def _results(cal: Calibration) -> tuple[ResultSet, ...]:
    states = [s for s in ("as_found", "as_left") if any(p.state == s for p in cal.points)]
    if not states:
        raise RecordValidationError(f"calibration {cal.number} has no results; measure before issuing")
    sets = []
    for state in states:
        rs_state = ResultState(state) if len(states) > 1 else None
        points = tuple(_point(p) for p in cal.points if p.state == state)
        sets.append(ResultSet(_RESULTS_NAME, points, rs_state))
    return tuple(sets)


def build_certificate_data(
    *,
    session: Session,
    calibration_id: int,
    issue_date: date,
    langs: tuple[str, ...] = ("zh",),
    approver: User | None = None,
    replaces: str = "",
    replaces_sha256: str = "",
    tz: str = DEFAULT_TZ,
) -> BuiltCertificate:
    """The certificate content of one calibration record.

    Args:
        session: Database session.
        calibration_id: The calibration.
        issue_date: Date of issue (also the PDF's date).
        langs: Languages of issue, ``("zh",)`` or ``("zh", "en")``.
        approver: The authorised signatory when the record names no approver.
        replaces: Number of the certificate this one replaces (reissue), or empty.
        replaces_sha256: SHA-256 of the replaced certificate's PDF.
        tz: The laboratory's zone for dates.

    Returns:
        The data and its internal flags (unverified limits or periods).

    Raises:
        NotFoundError: no such calibration.
        CertificateRefused: an undetermined verification.
        RecordValidationError: no customer or customer e-mail, no results, a standard without certificate.
    """
    cal = get_calibration(session=session, calibration_id=calibration_id)
    kind, conformity = certificate_kind(cal)
    zone = ZoneInfo(tz)
    begin = (cal.started_at or cal.created_at).astimezone(zone).date()
    finished = cal.finished_at or cal.measured_at
    end = max(begin, finished.astimezone(zone).date()) if finished is not None else begin
    dut = cal.dut
    job, job_item = _job(session, cal)
    receipt = min(job.received_at.astimezone(zone).date(), begin) if job is not None else begin
    standards, assessment_numbers = _standards(session, cal, begin)
    flags: list[str] = []
    if any(p.parameters.get("limit_verified") is False for p in cal.points):
        flags.append("limit_unverified: an MPE row used is marked unverified in the procedure's data")
    validity = None
    if kind is CertificateKind.VERIFICATION:
        rule = period_for(cal.procedure.code, cal.accuracy_class or dut.accuracy_class)
        if not rule.verified:
            flags.append(f"period_unverified: {rule.source}")
        validity = VerificationValidity(rule.months, valid_until(end, rule.months))
    requested = None if job is None else job.calibration_interval_months
    if kind is CertificateKind.CALIBRATION and requested:  # only when the customer asked (17025 7.8.4.3)
        validity = VerificationValidity(requested, valid_until(end, requested))
    number = certificate_number(session=session, cal=cal, kind=kind, issue_date=issue_date)
    rule_zh, rule_en = RULE_TEXT.get(cal.decision_rule, RULE_TEXT["jjf1094"])
    condition = Text("外观完好，功能正常", "No visible damage")
    if job_item is not None:
        condition = Text(job_item.condition_on_receipt)
    bench_zh, bench_en = (f"（{cal.bench}）", f" ({cal.bench})") if cal.bench else ("", "")
    data = CertificateData(
        kind=kind,
        number=number,
        centre=centre_of(session=session, standard_certificate_numbers=assessment_numbers),
        customer=_customer(session, cal, dut),
        item=Item(
            description=Text(dut.description),
            manufacturer=dut.manufacturer or "未注明 / not stated",
            model=dut.model,
            serial_number=dut.serial,
            accuracy_class=cal.accuracy_class or dut.accuracy_class or "",
            condition_on_receipt=condition,
        ),
        receipt_date=receipt,
        performance_dates=(begin, end),
        issue_date=issue_date,
        location=Text(f"本中心实验室{bench_zh}", f"Laboratory of the centre{bench_en}"),
        method=Method(cal.procedure.code, Text(cal.procedure.title_zh, cal.procedure.title_en)),
        environment=_environment(cal),
        standards=standards,
        traceability_statement=_traceability(session, cal, standards),
        results=_results(cal),
        decision_rule=Text(rule_zh, rule_en),
        conformity=conformity,
        performed_by=_person(session, cal.technician_id),
        reviewed_by=_person(session, cal.reviewed_by_id),
        authorised_by=_person(session, cal.approved_by_id, approver),
        software=Software("calib-service", _version()),
        langs=langs,
        validity=validity,
        validity_requested_by_customer=kind is CertificateKind.CALIBRATION and validity is not None,
        replaces=replaces,
        replaces_sha256=replaces_sha256,
        notes=(Text(cal.notes),) if cal.notes.strip() else (),
    )
    return BuiltCertificate(data, tuple(flags))

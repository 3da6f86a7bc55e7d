"""A year of plausible centre activity for the demo: jobs, calibrations through the full workflow with
their certificates (each kind), activities of the seven tasks with attachments, quality records, the
annual plan and last year's official outcome. All names and numbers are invented and marked as demo data.

Everything goes through the services (job intake, the four-eyes workflow, the certificate issue), so the
evidence report built afterwards counts real records. Time and randomness are arguments (``year``,
``as_of``, a ``random.Random`` seeded from ``seed``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calib_service.certificates.issue import issue_certificate
from calib_service.decision import combine_decisions, decide
from calib_service.demo_data import DemoRefs, seed_reference_data
from calib_service.documents import load_default_score_sheet
from calib_service.errors import ConflictError
from calib_service.evidence.demo_content import DEMO_CUSTOMERS, seed_activities, seed_quality
from calib_service.evidence.records import (
    record_assessment,
    set_target,
)
from calib_service.models import (
    Authorisation,
    Calibration,
    Equipment,
    EvidenceActivity,
    MeasurementStandard,
    Procedure,
    StandardCertificate,
    User,
)
from calib_service.procedures import comparison, jjg596
from calib_service.records.competence import grant_authorisation
from calib_service.records.jobs import ItemReceived, create_job, open_calibration
from calib_service.records.workflow import transition
from calib_service.services.calibrations import (
    ensure_procedure,
    record_environment,
    store_point,
    use_standard,
)
from calib_service.services.equipment import get_or_create_customer
from calib_service.services.standards import add_certificate
from calib_service.settings import Settings
from calib_service.traceability import DEFAULT_TZ

__all__ = [
    "DemoPeople",
    "PointSpec",
    "SeedSummary",
    "authorise_technician",
    "demo_people",
    "record_calibration",
    "seed_demo_year",
]

_TZ = ZoneInfo(DEFAULT_TZ)


@dataclass(frozen=True)
class PointSpec:
    """One point to store: label, error (percent), U (percent, k = 2), MPE (percent) or None, state."""

    label: str
    error: float
    uncertainty: float
    mpe: float | None = 1.0
    state: str = "as_found"
    reference_kwh: float = 1.0


@dataclass(frozen=True)
class DemoPeople:
    """The demo's staff: performer, reviewer, approver (signatory) and manager."""

    technician: User
    reviewer: User
    approver: User
    manager: User


@dataclass
class SeedSummary:
    """What :func:`seed_demo_year` stored."""

    calibration_ids: list[int] = field(default_factory=list)
    certificate_numbers: list[str] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    activities: int = 0
    quality_records: int = 0


def _user(session: Session, username: str, full_name: str, roles: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, full_name=full_name, roles=roles)
        session.add(user)
        session.flush()
    return user


def demo_people(*, session: Session) -> DemoPeople:
    """The demo users (created when missing; the same names as ``demo_data``)."""
    return DemoPeople(
        technician=_user(session, "zhang.wei", "张伟", "technician"),
        reviewer=_user(session, "li.na", "李娜", "reviewer"),
        approver=_user(session, "wang.qiang", "王强", "approver"),
        manager=_user(session, "zhao.min", "赵敏", "manager"),
    )


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=_TZ)


def authorise_technician(session: Session, people: DemoPeople, code: str, year: int) -> None:
    """Authorise the demo technician for ``code`` over ``year`` (granted by the manager; idempotent)."""
    found = session.scalars(
        select(Authorisation).where(
            Authorisation.user_id == people.technician.id,
            Authorisation.procedure_code == code,
            Authorisation.valid_from <= date(year, 1, 1),
            Authorisation.valid_until >= date(year, 12, 31),
        )
    ).first()
    if found is None:
        grant_authorisation(
            session=session,
            actor=people.manager,
            user=people.technician,
            procedure_code=code,
            valid_from=date(year - 1, 1, 1),
            valid_until=date(year + 2, 12, 31),
            certificate_no=f"DEMO-持证-{code}",
        )


def _year_certificates(session: Session, refs: DemoRefs, year: int) -> StandardCertificate:
    """Certificates of the demo chain that cover the whole of ``year`` (idempotent)."""
    provincial = session.scalars(
        select(MeasurementStandard).where(MeasurementStandard.name == "0.01级三相电能表标准装置")
    ).one()
    nim = session.scalars(
        select(MeasurementStandard).where(MeasurementStandard.level == "national_primary")
    ).first()
    add_certificate(
        session=session,
        equipment=provincial.equipment[0],
        number=f"DEMO-NIM-DLJ{year - 1}-0099",
        issuing_lab="中国计量科学研究院",
        calibration_date=date(year - 1, 6, 1),
        due_date=date(year + 1, 5, 31),
        expanded_uncertainty=0.004,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=nim,
    )
    return add_certificate(
        session=session,
        equipment=refs.standard_meter,
        number=f"DEMO-CQJL-DN{year - 1}-0611",
        issuing_lab="重庆市计量质量检测研究院",
        calibration_date=date(year - 1, 12, 15),
        due_date=date(year, 12, 31),
        expanded_uncertainty=0.02,
        uncertainty_unit="percent",
        coverage_factor=2.0,
        quantity="AC active energy",
        upstream=provincial,
    )


def record_calibration(
    *,
    session: Session,
    people: DemoPeople,
    procedure: Procedure,
    standard: tuple[Equipment, StandardCertificate],
    customer_name: str,
    serial: str,
    day: date,
    points: list[PointSpec],
    due_days: int = 7,
    accuracy_class: str = "1",
) -> Calibration:
    """Take in a job, record a calibration of its item and take it to ``approved`` through the workflow.

    Args:
        session: The caller's session.
        people: Performer, reviewer, approver, manager.
        procedure: The procedure row.
        standard: (standard equipment, its certificate valid on ``day``).
        customer_name: The customer (created when missing).
        serial: The item's serial number.
        day: The day of the measurement (received two days before).
        points: The results.
        due_days: Agreed due date = ``day`` + this many days.
        accuracy_class: The item's class.

    Returns:
        The approved calibration.
    """
    job = create_job(
        session=session,
        actor=people.technician,
        customer_name=customer_name,
        service_requested=f"{procedure.code} {'检定' if procedure.kind == 'verification' else '校准'}",
        received_at=_at(day - timedelta(days=2), 10),
        agreed_due_date=day + timedelta(days=due_days),
        items=[
            ItemReceived(
                family="electricity",
                description="三相智能电能表（演示）"
                if procedure.kind == "verification"
                else "三相标准电能表（演示）",
                serial=serial,
                condition_on_receipt="外观完好，铅封完整（演示）",
                manufacturer="示例电气（演示）",
                model="DTZY-DEMO",
                accuracy_class=accuracy_class,
            )
        ],
    )
    cal = open_calibration(
        session=session,
        actor=people.technician,
        job_id=job.id,
        item_seq=1,
        procedure_code=procedure.code,
        now=_at(day, 9),
    )
    equipment, certificate = standard
    use_standard(
        session=session, calibration=cal, equipment=equipment, certificate=certificate, role="standard meter"
    )
    for quantity, value, unit in (
        ("ambient_temperature", 22.8, "degC"),
        ("relative_humidity", 51.0, "percent"),
    ):
        record_environment(
            session=session, calibration=cal, quantity=quantity, value=value, unit=unit, taken_at=_at(day, 9)
        )
    final: list[str | None] = []
    states = {p.state for p in points}
    for seq, p in enumerate(points, start=1):
        outcome = None if p.mpe is None else decide(p.error, p.mpe, p.uncertainty, cal.decision_rule).outcome
        if p.state == ("as_left" if "as_left" in states else "as_found"):
            final.append(outcome)
        store_point(
            session=session,
            calibration_id=cal.id,
            seq=seq,
            state=p.state,
            label=p.label,
            parameters={"limit_verified": False} if p.mpe is not None else {},
            reference_value=p.reference_kwh,
            reference_unit="kWh",
            indication=round(p.reference_kwh * (1 + p.error / 100.0), 6),
            indication_unit="kWh",
            error=p.error,
            error_unit="percent",
            mpe=p.mpe,
            expanded_uncertainty=p.uncertainty,
            coverage_factor=2.0,
            decision=outcome,
        )
    cal.decision = combine_decisions(final)
    transition(
        session=session,
        actor=people.technician,
        calibration_id=cal.id,
        to_status="measured",
        now=_at(day, 11),
    )
    transition(
        session=session, actor=people.reviewer, calibration_id=cal.id, to_status="reviewed", now=_at(day, 15)
    )
    transition(
        session=session,
        actor=people.approver,
        calibration_id=cal.id,
        to_status="approved",
        now=_at(day + timedelta(days=1), 10),
    )
    return cal


def _points(kind: str, rng: random.Random) -> list[PointSpec]:
    labels = ("Imax, cosφ=1.0", "Ib, cosφ=1.0", "0.1Ib, cosφ=1.0", "Ib, cosφ=0.5L")
    if kind == "calibration":
        found = [PointSpec(lb, round(rng.uniform(0.15, 0.3), 3), 0.06, None, "as_found") for lb in labels[:2]]
        left = [PointSpec(lb, round(rng.uniform(-0.03, 0.03), 3), 0.06, None, "as_left") for lb in labels[:2]]
        return found + left
    pts = [PointSpec(lb, round(rng.uniform(-0.45, 0.45), 3), 0.06) for lb in labels]
    if kind == "fail":
        pts[1] = PointSpec(labels[1], 1.62, 0.06)
    return pts


def seed_demo_year(
    *,
    session: Session,
    year: int,
    as_of: date,
    calibrations_per_month: int = 2,
    seed: int = 2026,
    data_dir: Path | None = None,
    issue: bool = True,
    max_calibrations: int | None = None,
) -> SeedSummary:
    """Seed ``year`` up to ``as_of`` with demo activity (the caller commits).

    Each month gets ``calibrations_per_month`` jobs; every fifth is a failing verification (检定结果通知书),
    every fourth a calibration (校准证书) with as-found and as-left results, the rest passing JJG 596
    verifications (检定证书). With ``issue`` each approved record gets its certificate: the first of each
    kind bilingual (Chinese and English PDFs), the others in Chinese. ``max_calibrations`` caps the number
    of jobs (five give every kind).

    Raises:
        ConflictError: the year already has activities (seed once).
    """
    if session.scalars(
        select(EvidenceActivity).where(
            EvidenceActivity.held_on >= date(year, 1, 1), EvidenceActivity.held_on <= date(year, 12, 31)
        )
    ).first():
        raise ConflictError(f"{year} already has evidence activities; the demo year is seeded once")
    store = Settings.from_env().data_dir if data_dir is None else data_dir
    rng = random.Random(seed + year)
    refs = seed_reference_data(session=session, as_of=as_of)
    people = demo_people(session=session)
    for name, email in DEMO_CUSTOMERS:
        customer = get_or_create_customer(
            session=session, name=name, email=email, address="重庆市（演示地址）"
        )
        if not customer.email:
            customer.email = email
    cert = _year_certificates(session, refs, year)
    verification = refs.procedure
    calibration = ensure_procedure(
        session=session,
        code=comparison.CODE,
        title_zh=comparison.TITLE_ZH,
        title_en=comparison.TITLE_EN,
        kind="calibration",
        family=comparison.FAMILY,
        data_version=comparison.DATA_VERSION,
    )
    for code in (jjg596.CODE, comparison.CODE):
        authorise_technician(session, people, code, year)
    summary = SeedSummary()
    index = 0
    for month in range(1, 13):
        for k in range(calibrations_per_month):
            day = date(year, month, min(3 + 9 * k, 26))
            if day + timedelta(days=2) > as_of or day > cert.due_date:
                continue
            if max_calibrations is not None and index >= max_calibrations:
                break
            index += 1
            kind = "fail" if index % 5 == 0 else "calibration" if index % 4 == 0 else "pass"
            cal = record_calibration(
                session=session,
                people=people,
                procedure=calibration if kind == "calibration" else verification,
                standard=(refs.standard_meter, cert),
                customer_name=DEMO_CUSTOMERS[index % len(DEMO_CUSTOMERS)][0],
                serial=f"DEMO-{year}-{index:04d}",
                day=day,
                points=_points(kind, rng),
                due_days=1 if index % 6 == 0 else 7,
            )
            summary.calibration_ids.append(cal.id)
            summary.by_kind.setdefault(kind, []).append(cal.id)
            if issue:
                issued = issue_certificate(
                    session=session,
                    calibration_id=cal.id,
                    approver=people.approver,
                    lang="en" if len(summary.by_kind[kind]) == 1 else "zh",
                    as_of=_at(day + timedelta(days=2), 10),
                    data_dir=store,
                )
                summary.certificate_numbers.append(issued.number)
    summary.activities = seed_activities(session, year, as_of, store)
    summary.quality_records = seed_quality(session, year, as_of)
    for item in load_default_score_sheet().items:
        set_target(
            session=session, year=year, metric=item.evidence, target=item.target, source="年度计划（演示）"
        )
    if date(year, 3, 15) <= as_of:
        record_assessment(
            session=session,
            year=year - 1,
            passed=True,
            score=86.5,
            decided_on=date(year, 3, 15),
            note="演示：上年度考核合格",
        )
    session.flush()
    return summary

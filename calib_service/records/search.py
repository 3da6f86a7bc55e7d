"""Records for inspectors (不定期监督检查): search and export calibrations by customer, device, standard,
technician and date range, as CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from calib_service.errors import RecordValidationError
from calib_service.models import Calibration, CalibrationStandard, Customer, Equipment, Job, Procedure, User
from calib_service.records.chain import canonical

__all__ = ["EXPORT_COLUMNS", "MAX_EXPORT_ROWS", "RecordQuery", "export_records", "search_records"]

MAX_EXPORT_ROWS = 10_000

#: Columns of a search row / export line, in order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "number",
    "revision",
    "revision_of_id",
    "status",
    "decision",
    "procedure",
    "customer",
    "job",
    "dut_id",
    "dut_serial",
    "dut_description",
    "technician",
    "reviewer",
    "approver",
    "started_at",
    "finished_at",
    "approved_at",
    "certificate_number",
    "replaces_certificate",
    "standards",
)


@dataclass(frozen=True)
class RecordQuery:
    """Search filters; all optional, combined with AND.

    Attributes:
        customer: part of the customer's name.
        device: part of the device serial number or description.
        standard_serial: part of the serial of a standard used.
        technician: the performer's username.
        date_from: calibrations started on or after this day (UTC).
        date_to: calibrations started on or before this day (UTC).
        status: workflow status.
    """

    customer: str | None = None
    device: str | None = None
    standard_serial: str | None = None
    technician: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None


_tech = aliased(User)
_rev = aliased(User)
_appr = aliased(User)
_std = aliased(Equipment)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(q: RecordQuery, stmt: Select[Any]) -> Select[Any]:
    if q.date_from and q.date_to and q.date_to < q.date_from:
        raise RecordValidationError(f"date range {q.date_from} … {q.date_to} is reversed; swap the dates")
    when = func.coalesce(Calibration.started_at, Calibration.created_at)
    if q.customer:
        stmt = stmt.where(Customer.name.ilike(_like(q.customer), escape="\\"))
    if q.device:
        pat = _like(q.device)
        stmt = stmt.where(
            or_(Equipment.serial.ilike(pat, escape="\\"), Equipment.description.ilike(pat, escape="\\"))
        )
    if q.technician:
        stmt = stmt.where(_tech.username == q.technician)
    if q.status:
        stmt = stmt.where(Calibration.status == q.status)
    if q.date_from:
        stmt = stmt.where(when >= datetime.combine(q.date_from, time(0), UTC))
    if q.date_to:
        stmt = stmt.where(when < datetime.combine(q.date_to + timedelta(days=1), time(0), UTC))
    if q.standard_serial:
        used = (
            select(CalibrationStandard.calibration_id)
            .join(_std, _std.id == CalibrationStandard.equipment_id)
            .where(_std.serial.ilike(_like(q.standard_serial), escape="\\"))
        )
        stmt = stmt.where(Calibration.id.in_(used))
    return stmt


def _base(columns: list[Any]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Calibration)
        .join(Equipment, Equipment.id == Calibration.dut_id)
        .join(Procedure, Procedure.id == Calibration.procedure_id)
        .outerjoin(Customer, Customer.id == Calibration.customer_id)
        .outerjoin(Job, Job.id == Calibration.job_id)
        .outerjoin(_tech, _tech.id == Calibration.technician_id)
        .outerjoin(_rev, _rev.id == Calibration.reviewed_by_id)
        .outerjoin(_appr, _appr.id == Calibration.approved_by_id)
    )


def _rows(session: Session, q: RecordQuery, offset: int, limit: int) -> list[dict[str, Any]]:
    stmt = _filtered(
        q,
        _base(
            [
                Calibration,
                Procedure.code,
                Customer.name,
                Job.number,
                Equipment.serial,
                Equipment.description,
                _tech.username,
                _rev.username,
                _appr.username,
            ]
        ),
    )
    result = session.execute(stmt.order_by(Calibration.id).offset(offset).limit(limit)).all()
    ids = [r[0].id for r in result]
    standards: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cal_id, serial in session.execute(
            select(CalibrationStandard.calibration_id, _std.serial)
            .join(_std, _std.id == CalibrationStandard.equipment_id)
            .where(CalibrationStandard.calibration_id.in_(ids))
            .order_by(CalibrationStandard.id)
        ):
            standards[cal_id].append(serial)
    out = []
    for cal, proc, customer, job, serial, description, tech, rev, appr in result:
        out.append(
            {
                "id": cal.id,
                "number": cal.number,
                "revision": cal.revision,
                "revision_of_id": cal.revision_of_id,
                "status": cal.status,
                "decision": cal.decision,
                "procedure": proc,
                "customer": customer,
                "job": job,
                "dut_id": cal.dut_id,
                "dut_serial": serial,
                "dut_description": description,
                "technician": tech,
                "reviewer": rev,
                "approver": appr,
                "started_at": cal.started_at,
                "finished_at": cal.finished_at,
                "approved_at": cal.approved_at,
                "certificate_number": cal.certificate_number,
                "replaces_certificate": cal.replaces_certificate,
                "standards": standards[cal.id],
            }
        )
    return out


def search_records(
    *, session: Session, query: RecordQuery, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """A page of matching calibrations (rows with :data:`EXPORT_COLUMNS`) and the total count.

    Raises:
        RecordValidationError: a reversed date range.
    """
    total = int(session.scalar(_filtered(query, _base([func.count(Calibration.id)]))) or 0)
    return _rows(session, query, offset, limit), total


def export_records(*, session: Session, query: RecordQuery, fmt: str) -> str:
    """All matching calibrations (at most :data:`MAX_EXPORT_ROWS`) as ``csv`` or ``json`` text.

    Raises:
        RecordValidationError: unknown format, too many rows (narrow the search), reversed dates.
    """
    if fmt not in ("csv", "json"):
        raise RecordValidationError(f"export format {fmt!r}; use csv or json")
    rows, total = search_records(session=session, query=query, offset=0, limit=MAX_EXPORT_ROWS)
    if total > MAX_EXPORT_ROWS:
        raise RecordValidationError(
            f"{total} records match; export at most {MAX_EXPORT_ROWS} at a time (narrow the date range)"
        )
    if fmt == "json":
        return json.dumps({"total": total, "records": canonical(rows)}, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = canonical(row)
        values["standards"] = ";".join(row["standards"])
        writer.writerow(["" if values[c] is None else values[c] for c in EXPORT_COLUMNS])
    return buf.getvalue()

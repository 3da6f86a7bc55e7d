"""Intermediate checks as control charts (out of control blocks the standard), due lists, file store."""

from __future__ import annotations

import hashlib
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, NotFoundError, RecordValidationError
from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate
from calib_service.traceability import (
    MIN_BASELINE,
    assert_usable,
    control_chart,
    due_list,
    read_file,
    record_check,
    store_file,
    trace_calibration,
)
from tests.calib_service.traceability.builders import build_chain, calibrate, renew_c2, utc

BASELINE = [0.010, 0.012, 0.008, 0.011, 0.009]  # % error of E2 against the check standard


def test_statistical_chart_flags_and_blocks(session: Session) -> None:
    chain = build_chain(session)
    start = date(2025, 4, 1)
    for i, v in enumerate(BASELINE):
        c = record_check(
            session=session,
            equipment=chain.e2,
            point="220 V 5 A PF 1.0",
            checked_on=start + timedelta(days=30 * i),
            value=v,
            unit="%",
        )
        assert c.limit_low is None and not c.out_of_control  # baseline still collecting
    assert len(BASELINE) == MIN_BASELINE
    mean, s = statistics.fmean(BASELINE), statistics.stdev(BASELINE)
    inside = record_check(
        session=session,
        equipment=chain.e2,
        point="220 V 5 A PF 1.0",
        checked_on=date(2025, 10, 1),
        value=mean + 2.9 * s,
        unit="%",
    )
    assert not inside.out_of_control
    assert inside.limit_high == pytest.approx(mean + 3 * s) and inside.limit_low == pytest.approx(
        mean - 3 * s
    )
    assert inside.standard_id == chain.s2.id
    six = [*BASELINE, mean + 2.9 * s]  # the in-control check joins the baseline
    mean6, s6 = statistics.fmean(six), statistics.stdev(six)
    bad = record_check(
        session=session,
        equipment=chain.e2,
        point="220 V 5 A PF 1.0",
        checked_on=date(2025, 11, 1),
        value=mean6 + 3.05 * s6,
        unit="%",
    )
    assert bad.limit_high == pytest.approx(mean6 + 3 * s6)
    assert bad.out_of_control
    assert (
        assert_usable(session=session, equipment=chain.e2, day=date(2025, 10, 31)).number == "TEST-CQ-2025-02"
    )
    with pytest.raises(ConflictError, match=r"out of control since the intermediate check of 2025-11-01"):
        assert_usable(session=session, equipment=chain.e2, day=date(2025, 11, 1))
    cal = calibrate(
        session, chain, at=utc(2025, 11, 5), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    assert [f.code for f in trace_calibration(session=session, calibration_id=cal.id).errors] == [
        "failed_check"
    ]
    chart = control_chart(session=session, equipment=chain.e2, point="220 V 5 A PF 1.0")
    assert chart.out_of_control and [p.out_of_control for p in chart.points] == [False] * 6 + [True]
    # the out-of-control value does not enter the baseline; a good check clears the block
    again = record_check(
        session=session,
        equipment=chain.e2,
        point="220 V 5 A PF 1.0",
        checked_on=date(2025, 11, 20),
        value=0.011,
        unit="%",
    )
    assert not again.out_of_control
    assert again.center == pytest.approx(mean6)
    assert assert_usable(session=session, equipment=chain.e2, day=date(2025, 11, 20))


def test_reference_method_and_recalibration_clears(session: Session) -> None:
    chain = build_chain(session)
    ok = record_check(
        session=session,
        equipment=chain.e2,
        point="PF 0.5L",
        checked_on=date(2026, 1, 10),
        value=-0.020,
        unit="%",
        reference_value=-0.006,
        reference_uncertainty=0.02,
    )
    assert (ok.limit_low, ok.limit_high, ok.out_of_control) == (
        pytest.approx(-0.026),
        pytest.approx(0.014),
        False,
    )
    bad = record_check(
        session=session,
        equipment=chain.e2,
        point="PF 0.5L",
        checked_on=date(2026, 2, 10),
        value=0.020,
        unit="%",
        reference_value=-0.006,
        reference_uncertainty=0.02,
    )
    assert bad.out_of_control and bad.method == "reference"
    with pytest.raises(ConflictError, match=r"PF 0\.5L"):
        assert_usable(session=session, equipment=chain.e2, day=date(2026, 2, 20))
    renew_c2(session, chain)  # recalibrated on 2026-03-01
    assert (
        assert_usable(session=session, equipment=chain.e2, day=date(2026, 3, 1)).number == "TEST-CQ-2026-02"
    )


def test_check_input_errors(session: Session) -> None:
    chain = build_chain(session)
    record_check(
        session=session, equipment=chain.e2, point="p", checked_on=date(2026, 1, 1), value=1.0, unit="%"
    )
    with pytest.raises(RecordValidationError, match="earlier checks are in '%'"):
        record_check(
            session=session, equipment=chain.e2, point="p", checked_on=date(2026, 1, 2), value=1.0, unit="ppm"
        )
    with pytest.raises(RecordValidationError, match="needs its expanded uncertainty"):
        record_check(
            session=session,
            equipment=chain.e2,
            point="q",
            checked_on=date(2026, 1, 2),
            value=1.0,
            unit="%",
            reference_value=1.0,
        )
    with pytest.raises(RecordValidationError, match="not a finite number"):
        record_check(
            session=session,
            equipment=chain.e2,
            point="q",
            checked_on=date(2026, 1, 2),
            value=float("nan"),
            unit="%",
        )
    with pytest.raises(RecordValidationError, match="no intermediate check"):
        control_chart(session=session, equipment=chain.e3, point="p")


def test_due_list_as_of(session: Session) -> None:
    chain = build_chain(session)
    items = due_list(session=session, as_of=date(2026, 2, 15), days=30)
    assert [(i.kind, i.serial, i.status, i.days_left) for i in items] == [("certificate", "T-E2", "due", 13)]
    assert items[0].document.startswith("TEST-CQ-2025-02")
    later = due_list(session=session, as_of=date(2026, 3, 5), days=90)
    assert [(i.serial, i.status, i.due_date) for i in later] == [
        ("T-E2", "overdue", date(2026, 2, 28)),
        ("T-E3", "due", date(2026, 5, 31)),
    ]  # E1 belongs to the provincial institute (external): not on our list
    assessment = due_list(session=session, as_of=date(2027, 12, 1), days=60)
    assert ("assessment", "0.05 级三相电能表检定装置", "TEST-考证-0002") in [
        (i.kind, i.standard, i.document) for i in assessment
    ]
    renew_c2(session, chain)
    assert [i.serial for i in due_list(session=session, as_of=date(2026, 3, 5), days=30)] == []
    with pytest.raises(RecordValidationError, match="days must be"):
        due_list(session=session, as_of=date(2026, 3, 5), days=-1)


def test_content_addressed_store(tmp_path: Path) -> None:
    data = "扫描件 certificate scan".encode()
    digest = store_file(tmp_path, data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store_file(tmp_path, data) == digest
    assert read_file(tmp_path, digest) == data
    stored = tmp_path / "sha256" / digest[:2] / digest[2:4] / digest
    stored.write_bytes(b"tampered")
    with pytest.raises(RecordValidationError, match="does not match its sha256"):
        read_file(tmp_path, digest)
    with pytest.raises(NotFoundError):
        read_file(tmp_path, "0" * 64)
    with pytest.raises(RecordValidationError, match="not a sha256"):
        read_file(tmp_path, "../../etc/passwd")
    with pytest.raises(RecordValidationError, match="empty"):
        store_file(tmp_path, b"")


def test_customer_equipment_is_not_on_our_due_list(session: Session) -> None:
    chain = build_chain(session)
    theirs = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="客户标准表",
        serial="T-C1",
        owner=chain.customer_a,
    )
    add_certificate(
        session=session,
        equipment=theirs,
        number="TEST-C1",
        issuing_lab="重庆市市级碳计量中心",
        calibration_date=date(2025, 3, 1),
        due_date=date(2026, 2, 20),
        expanded_uncertainty=0.1,
        uncertainty_unit="%",
        upstream=chain.s2,
    )
    assert [i.serial for i in due_list(session=session, as_of=date(2026, 2, 15), days=30)] == ["T-E2"]

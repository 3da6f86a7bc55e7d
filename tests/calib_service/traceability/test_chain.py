"""Chains of four levels on SQLite and PostgreSQL: validity around each expiry, findings, approval gate."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, RecordValidationError
from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate, register_standard
from calib_service.traceability import (
    assert_chain_ok,
    assert_traceable,
    assert_usable,
    cmc_floor,
    trace_calibration,
)
from tests.calib_service.traceability.builders import CENTRE, build_chain, calibrate, renew_c2, utc


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 27), "TEST-CQ-2025-02"),
        (date(2026, 2, 28), "TEST-CQ-2025-02"),
        (date(2026, 3, 1), None),
    ],
)
def test_usable_around_expiry(session: Session, day: date, expected: str | None) -> None:
    chain = build_chain(session)
    if expected is None:
        with pytest.raises(
            RecordValidationError, match=r"T-E2.*2026-03-01.*TEST-CQ-2025-02 was due 2026-02-28"
        ):
            assert_usable(session=session, equipment=chain.e2, day=day)
    else:
        assert assert_usable(session=session, equipment=chain.e2, day=day).number == expected


def test_renewed_certificate_is_the_one_of_the_day(session: Session) -> None:
    chain = build_chain(session)
    renew_c2(session, chain)
    assert (
        assert_usable(session=session, equipment=chain.e2, day=date(2026, 2, 28)).number == "TEST-CQ-2025-02"
    )
    new = assert_usable(session=session, equipment=chain.e2, day=date(2026, 3, 1))
    assert (new.number, new.expanded_uncertainty) == ("TEST-CQ-2026-02", 0.015)


def test_device_under_test_refused_as_standard(session: Session) -> None:
    chain = build_chain(session)
    dut = register_equipment(session=session, kind="dut", family="electricity", description="m", serial="D1")
    with pytest.raises(RecordValidationError, match="not standard equipment"):
        assert_usable(session=session, equipment=dut, day=date(2026, 1, 1))
    assert chain.e2.kind == "standard"


def test_assessment_certificate_expiry_blocks(session: Session) -> None:
    chain = build_chain(session)
    chain.s3.assessment_valid_until = date(2026, 4, 30)
    assert (
        assert_usable(session=session, equipment=chain.e3, day=date(2026, 4, 30)).number
        == "TEST-CENTRE-2025-03"
    )
    with pytest.raises(ConflictError, match=r"TEST-考证-0003.*expired on 2026-04-30"):
        assert_usable(session=session, equipment=chain.e3, day=date(2026, 5, 1))


def test_cmc_floor(session: Session) -> None:
    chain = build_chain(session)
    assert cmc_floor(session=session, equipment_id=chain.e2.id, day=date(2026, 1, 1)) == (0.05, "%")
    assert cmc_floor(session=session, equipment_id=chain.e1.id, day=date(2026, 1, 1)) is None  # external


def test_four_level_chain_complete_with_uncertainty_per_link(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 2, 27),
        standard=chain.e3,
        certificate=chain.c3,
        customer=chain.customer_a,
    )
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert trace.ok, trace.findings
    assert [lk.certificate.number if lk.certificate else None for lk in trace.links] == [
        "TEST-CENTRE-2025-03",
        "TEST-CQ-2025-02",
        "TEST-NIM-2025-01",
    ]
    assert [lk.depth for lk in trace.links] == [1, 2, 3]
    assert [lk.parent for lk in trace.links] == [None, 0, 1]
    # each upstream link is judged on the day the link below it was calibrated
    assert [lk.judged_on for lk in trace.links] == [date(2026, 2, 27), date(2025, 6, 1), date(2025, 3, 1)]
    assert trace.links[0].certificate is not None
    assert trace.links[0].certificate.standard_uncertainty == pytest.approx(0.03)
    assert trace.links[2].top and trace.links[2].upstream is not None
    assert [t.name for t in trace.tops()] == ["国家电能计量基准"]
    assert_traceable(session=session, calibration_id=cal.id)


def test_day_is_the_laboratory_date_and_expired_link_is_named(session: Session) -> None:
    chain = build_chain(session)
    # 2026-02-28 17:30 UTC is 2026-03-01 01:30 in Chongqing: the certificate has expired that day
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 2, 28, 17),
        standard=chain.e2,
        certificate=chain.c2a,
        customer=chain.customer_a,
    )
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert trace.day == date(2026, 3, 1)
    assert [f.code for f in trace.errors] == ["expired_certificate"]
    with pytest.raises(
        ConflictError, match=r"link 1 \(0.05 级三相标准电能表, serial T-E2, certificate TEST-CQ-2025-02\)"
    ):
        assert_traceable(session=session, calibration_id=cal.id)


def test_calibration_on_due_date_is_fine_and_day_after_uses_renewal(session: Session) -> None:
    chain = build_chain(session)
    on_due = calibrate(
        session, chain, at=utc(2026, 2, 28), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    assert trace_calibration(session=session, calibration_id=on_due.id).ok
    after = calibrate(
        session, chain, at=utc(2026, 3, 1), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    assert [f.code for f in trace_calibration(session=session, calibration_id=after.id).errors] == [
        "expired_certificate"
    ]
    renew_c2(session, chain)
    trace = trace_calibration(session=session, calibration_id=after.id)
    assert trace.ok, trace.findings
    # C2b was issued on 2026-03-01 when the provincial meter held C1b (C1a expired 2026-01-09)
    assert [lk.certificate.number for lk in trace.links if lk.certificate] == [
        "TEST-CQ-2026-02",
        "TEST-NIM-2026-01",
    ]


def test_upstream_certificate_expired_when_link_below_was_issued(session: Session) -> None:
    chain = build_chain(session)
    late = add_certificate(
        session=session,
        equipment=chain.e2,
        number="TEST-CQ-LATE",
        issuing_lab="重庆市计量质量检测研究院",
        calibration_date=date(2026, 1, 3),
        due_date=date(2027, 1, 2),
        expanded_uncertainty=0.02,
        uncertainty_unit="%",
        upstream=chain.s1,
    )
    # between C1a (due 2026-01-09) and C1b (from 2026-01-05) there is no gap on 2026-01-03: fine
    cal = calibrate(
        session, chain, at=utc(2026, 1, 20), standard=chain.e2, certificate=late, customer=chain.customer_b
    )
    assert trace_calibration(session=session, calibration_id=cal.id).ok
    chain.c1a.due_date = date(2026, 1, 1)
    session.flush()
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert [(f.code, f.link) for f in trace.errors] == [("expired_certificate", 1)]
    assert "TEST-NIM-2025-01" in trace.errors[0].message and "2026-01-03" in trace.errors[0].message


def test_free_text_upstream_is_a_broken_link(session: Session) -> None:
    chain = build_chain(session)
    tool = register_equipment(
        session=session, kind="standard", family="electricity", description="功率分析仪", serial="T-PA1"
    )
    cert = add_certificate(
        session=session,
        equipment=tool,
        number="TEST-X-01",
        issuing_lab="某校准公司",
        calibration_date=date(2025, 12, 1),
        due_date=date(2026, 11, 30),
        expanded_uncertainty=0.05,
        uncertainty_unit="%",
        upstream_text="该公司的标准",
    )
    cal = calibrate(
        session, chain, at=utc(2026, 1, 10), standard=tool, certificate=cert, customer=chain.customer_a
    )
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert not trace.complete
    assert "broken_link" in [f.code for f in trace.errors]
    with pytest.raises(
        ConflictError, match=r"serial T-PA1.*names no upstream standard \(only '该公司的标准'\)"
    ):
        assert_traceable(session=session, calibration_id=cal.id)
    with pytest.raises(ConflictError, match="serial T-PA1"):
        assert_chain_ok(session=session, calibration=cal)


def test_upstream_standard_without_certificate_is_broken(session: Session) -> None:
    chain = build_chain(session)
    orphan = register_standard(session=session, name="某省级标准", holder="某省计量院", level="secondary")
    cert = add_certificate(
        session=session,
        equipment=chain.e3,
        number="TEST-ORPHAN",
        issuing_lab="某省计量院",
        calibration_date=date(2026, 1, 2),
        due_date=date(2026, 12, 31),
        expanded_uncertainty=0.06,
        uncertainty_unit="%",
        upstream=orphan,
    )
    cal = calibrate(
        session, chain, at=utc(2026, 1, 10), standard=chain.e3, certificate=cert, customer=chain.customer_a
    )
    with pytest.raises(ConflictError, match="upstream standard '某省级标准' of 某省计量院 has no equipment"):
        assert_traceable(session=session, calibration_id=cal.id)


def test_crm_chain_ends_at_the_reference_material_and_its_producer(session: Session) -> None:
    chain = build_chain(session)
    crm = register_standard(
        session=session,
        name="氮中二氧化碳气体标准物质",
        holder=NIM_PRODUCER,
        level="reference_material",
        crm_number="GBW TEST-0001",
        external=True,
    )
    cylinder = register_equipment(
        session=session,
        kind="reference_material",
        family="co2",
        description="CO2/N2 标准气 400 µmol/mol",
        serial="T-CYL-1",
    )
    crm.equipment.append(cylinder)
    add_certificate(
        session=session,
        equipment=cylinder,
        number="TEST-RM-0001",
        issuing_lab=NIM_PRODUCER,
        calibration_date=date(2025, 9, 1),
        due_date=date(2026, 8, 31),
        expanded_uncertainty=1.0,
        uncertainty_unit="ppm",
        coverage_factor=2.0,
    )
    analyser = register_equipment(
        session=session, kind="standard", family="co2", description="CO2 分析仪 (工作标准)", serial="T-AN1"
    )
    register_standard(
        session=session,
        name="二氧化碳分析仪校准装置",
        holder=CENTRE,
        level="working",
        equipment=[analyser],
        assessment_certificate_no="TEST-考证-0005",
        assessment_valid_until=date(2028, 1, 1),
    )
    add_certificate(
        session=session,
        equipment=analyser,
        number="TEST-CENTRE-AN-01",
        issuing_lab=CENTRE,
        calibration_date=date(2025, 10, 1),
        due_date=date(2026, 9, 30),
        expanded_uncertainty=2.0,
        uncertainty_unit="ppm",
        upstream=crm,
    )
    direct = calibrate(
        session, chain, at=utc(2026, 2, 1), standard=cylinder, certificate=None, customer=chain.customer_b
    )
    t1 = trace_calibration(session=session, calibration_id=direct.id)
    assert t1.ok and [t.crm_number for t in t1.tops()] == ["GBW TEST-0001"]
    via = calibrate(
        session, chain, at=utc(2026, 2, 1), standard=analyser, certificate=None, customer=chain.customer_b
    )
    t2 = trace_calibration(session=session, calibration_id=via.id)
    assert t2.ok, t2.findings
    assert (
        t2.links[0].top and t2.links[0].upstream is not None and t2.links[0].upstream.holder == NIM_PRODUCER
    )
    crm.holder = ""
    session.flush()
    assert "broken_link" in [f.code for f in trace_calibration(session=session, calibration_id=via.id).errors]


NIM_PRODUCER = "中国计量科学研究院 (标准物质研制单位)"


def test_out_of_range_and_below_cmc(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 1, 15),
        standard=chain.e2,
        certificate=chain.c2a,
        customer=chain.customer_a,
        u_percent=0.03,
        parameters={"current": [120.0, "A"]},
    )
    codes = sorted(f.code for f in trace_calibration(session=session, calibration_id=cal.id).errors)
    assert codes == ["out_of_range", "uncertainty_below_cmc"]
    ok = calibrate(
        session,
        chain,
        at=utc(2026, 1, 15),
        standard=chain.e2,
        certificate=chain.c2a,
        customer=chain.customer_a,
        u_percent=0.05,
        parameters={"current": [100000.0, "mA"]},
    )
    assert trace_calibration(session=session, calibration_id=ok.id).ok


def test_budget_must_use_the_certificate_valid_on_the_day(session: Session) -> None:
    chain = build_chain(session)
    renew_c2(session, chain)
    good = calibrate(
        session,
        chain,
        at=utc(2026, 3, 2),
        standard=chain.e2,
        certificate=None,
        customer=chain.customer_a,
        budget_u=0.015,
    )
    assert trace_calibration(session=session, calibration_id=good.id).ok
    stale = calibrate(
        session,
        chain,
        at=utc(2026, 3, 2),
        standard=chain.e2,
        certificate=None,
        customer=chain.customer_a,
        budget_u=0.02,  # the U of the expired C2a
    )
    errors = trace_calibration(session=session, calibration_id=stale.id).errors
    assert [f.code for f in errors] == ["budget_certificate_mismatch"]
    assert "TEST-CQ-2026-02" in errors[0].message


def test_calibration_without_standards_is_not_traceable(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session, chain, at=utc(2026, 1, 15), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    for used in list(cal.standards):
        session.delete(used)
    session.flush()
    session.expire_all()
    with pytest.raises(ConflictError, match="records no standard used"):
        assert_traceable(session=session, calibration_id=cal.id)


def test_device_under_test_recorded_as_standard_is_an_error(session: Session) -> None:
    chain = build_chain(session)
    other = register_equipment(
        session=session, kind="dut", family="electricity", description="表", serial="D-X"
    )
    cal = calibrate(
        session, chain, at=utc(2026, 1, 15), standard=other, certificate=None, customer=chain.customer_a
    )
    codes = [f.code for f in trace_calibration(session=session, calibration_id=cal.id).errors]
    assert codes == ["no_certificate", "not_a_standard"]


def test_uncertainty_must_not_shrink_down_the_chain(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 2, 27),
        standard=chain.e3,
        certificate=None,
        customer=chain.customer_a,
        u_percent=0.1,
    )
    assert not [
        f
        for f in trace_calibration(session=session, calibration_id=cal.id).findings
        if f.severity == "warning"
    ]
    chain.c3.expanded_uncertainty = 0.01  # smaller than the 0.02 % of E2 that calibrated E3
    session.flush()
    trace = trace_calibration(session=session, calibration_id=cal.id)
    warnings = [(f.code, f.link) for f in trace.findings if f.severity == "warning"]
    assert warnings == [("uncertainty_below_upstream", 0)]
    assert trace.ok  # a warning does not block approval


def test_certificate_of_other_equipment_is_refused(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 1, 15),
        standard=chain.e2,
        certificate=chain.c3,
        customer=chain.customer_a,
    )
    assert "certificate_mismatch" in [
        f.code for f in trace_calibration(session=session, calibration_id=cal.id).errors
    ]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        (["220 V"], "is not a mapping"),
        ([{"point": "p", "correction": "0.1"}], "correction = '0.1' is not a number"),
        ([{"point": "p", "expanded_uncertainty": -0.1}], "U < 0"),
        ([{"point": "p", "coverage_factor": 0}], "k ≤ 0"),
    ],
)
def test_certificate_results_are_checked(session: Session, rows: list[object], fragment: str) -> None:
    chain = build_chain(session)
    with pytest.raises(RecordValidationError, match=fragment):
        add_certificate(
            session=session,
            equipment=chain.e3,
            number="TEST-BAD",
            issuing_lab="x",
            calibration_date=date(2026, 1, 1),
            due_date=date(2026, 12, 31),
            expanded_uncertainty=0.1,
            uncertainty_unit="%",
            results=rows,  # type: ignore[arg-type]
        )

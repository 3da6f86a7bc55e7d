"""Reverse traceability at depth ≥ 3 and the nonconformity workflow (ISO/IEC 17025 7.10)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from calib_service.errors import ConflictError, RecordValidationError
from calib_service.services.equipment import register_equipment
from calib_service.services.standards import add_certificate
from calib_service.traceability import (
    add_action,
    assert_usable,
    get_nonconformity,
    impact_of,
    last_good_calibration,
    record_nonconformity,
)
from tests.calib_service.traceability.builders import CENTRE, Chain, build_chain, calibrate, renew_c2, utc


def _work(session: Session, chain: Chain) -> dict[str, int]:
    """Customer work: two with E2 (one before the window), two with E3 (one after C3 ran out)."""
    ids = {
        "e2_early": calibrate(
            session, chain, at=utc(2025, 2, 1), standard=chain.e2, certificate=None, customer=chain.customer_b
        ).id,
        "e2": calibrate(
            session,
            chain,
            at=utc(2025, 5, 1),
            standard=chain.e2,
            certificate=chain.c2a,
            customer=chain.customer_a,
        ).id,
        "e3": calibrate(
            session,
            chain,
            at=utc(2025, 7, 1),
            standard=chain.e3,
            certificate=chain.c3,
            customer=chain.customer_b,
        ).id,
        "e3_late": calibrate(
            session, chain, at=utc(2026, 6, 2), standard=chain.e3, certificate=None, customer=chain.customer_a
        ).id,
    }
    return ids


def test_impact_of_provincial_standard_reaches_depth_three(session: Session) -> None:
    chain = build_chain(session)
    ids = _work(session, chain)
    impact = impact_of(
        session=session, standard_id=chain.s1.id, since=date(2025, 1, 10), until=date(2026, 6, 30)
    )
    got = {(i.kind, i.depth, i.certificate_number or i.calibration_id) for i in impact.items}
    assert got == {
        ("certificate", 1, "TEST-CQ-2025-02"),  # E2 calibrated with S1
        ("calibration", 2, ids["e2"]),  # customer work with E2 under that certificate
        ("certificate", 2, "TEST-CENTRE-2025-03"),  # E3 calibrated with S2 (E2) while C2a was in force
        ("calibration", 3, ids["e3"]),  # customer work with E3 under C3
    }
    assert impact.max_depth == 3
    assert [name for _, name in impact.customers()] == ["重庆某水务公司 B", "重庆某电力用户 A"]
    deepest = next(i for i in impact.items if i.depth == 3)
    assert deepest.via == (
        "0.01 级电能表标准装置 → 0.05 级三相标准电能表 [TEST-CQ-2025-02] → "
        "0.2 级工作标准电能表 [TEST-CENTRE-2025-03]"
    )


def test_impact_from_the_national_standard_is_one_level_deeper(session: Session) -> None:
    chain = build_chain(session)
    ids = _work(session, chain)
    impact = impact_of(
        session=session, standard_id=chain.p.id, since=date(2025, 1, 1), until=date(2025, 12, 31)
    )
    assert impact.max_depth == 4
    assert ids["e3"] in [i.calibration_id for i in impact.items if i.depth == 4]
    assert ids["e2_early"] not in [i.calibration_id for i in impact.items]  # C2a was issued after it


def test_impact_window_and_direct_use(session: Session) -> None:
    chain = build_chain(session)
    ids = _work(session, chain)
    direct = impact_of(
        session=session, standard_id=chain.s2.id, since=date(2025, 3, 1), until=date(2025, 6, 30)
    )
    assert {i.calibration_id for i in direct.calibrations} == {ids["e2"]}
    assert [i.certificate_number for i in direct.certificates] == ["TEST-CENTRE-2025-03"]
    assert {i.calibration_id for i in direct.calibrations if i.depth == 1} == {ids["e2"]}
    assert (
        impact_of(
            session=session, standard_id=chain.s2.id, since=date(2025, 7, 1), until=date(2025, 8, 1)
        ).items
        == ()
    )
    with pytest.raises(RecordValidationError, match="before it starts"):
        impact_of(session=session, standard_id=chain.s2.id, since=date(2025, 8, 1), until=date(2025, 7, 1))


def test_last_good_calibration(session: Session) -> None:
    chain = build_chain(session)
    assert last_good_calibration(session=session, standard_id=chain.s2.id, before=date(2026, 1, 1)) == date(
        2025, 3, 1
    )
    assert last_good_calibration(session=session, standard_id=chain.s2.id, before=date(2025, 1, 1)) is None


def test_nonconformity_suspends_lists_impact_and_needs_notification(session: Session) -> None:
    chain = build_chain(session)
    ids = _work(session, chain)
    nc = record_nonconformity(
        session=session,
        standard_id=chain.s2.id,
        found_on=date(2025, 12, 1),
        description="期间核查发现 0.05 级标准表 220 V 5 A 误差 +0.08 %，超出控制限",
        raised_by="李工",
    )
    assert nc.number == f"NC-2025-{nc.id:04d}"
    assert nc.suspect_since == date(2025, 3, 1)
    loaded = get_nonconformity(session=session, nonconformity_id=nc.id)
    assert {(i.kind, i.depth, i.calibration_id) for i in loaded.impacts if i.kind == "calibration"} == {
        ("calibration", 1, ids["e2"]),
        ("calibration", 2, ids["e3"]),
    }
    assert [a.action for a in loaded.actions] == ["evaluate"]
    assert "重庆某电力用户 A" in loaded.actions[0].description
    assert chain.s2.status == "suspended"
    with pytest.raises(ConflictError, match="is suspended"):
        assert_usable(session=session, equipment=chain.e2, day=date(2025, 12, 2))
    with pytest.raises(
        ConflictError, match=r"customer\(s\) 重庆某水务公司 B, 重庆某电力用户 A .*not notified"
    ):
        add_action(session=session, nonconformity_id=nc.id, action="close", taken_on=date(2025, 12, 20))
    for customer in (chain.customer_a, chain.customer_b):
        add_action(
            session=session,
            nonconformity_id=nc.id,
            action="notify_customer",
            taken_on=date(2025, 12, 3),
            customer_id=customer.id,
            description="书面通知，召回证书",
            taken_by="李工",
        )
    with pytest.raises(ConflictError, match="no certificate issued on or after 2025-12-01"):
        add_action(
            session=session, nonconformity_id=nc.id, action="return_to_service", taken_on=date(2026, 3, 2)
        )
    renew_c2(session, chain)
    add_action(session=session, nonconformity_id=nc.id, action="return_to_service", taken_on=date(2026, 3, 2))
    assert chain.s2.status == "in_service"
    add_action(session=session, nonconformity_id=nc.id, action="close", taken_on=date(2026, 3, 3))
    closed = get_nonconformity(session=session, nonconformity_id=nc.id)
    assert (closed.status, closed.closed_on) == ("closed", date(2026, 3, 3))
    assert [a.action for a in closed.actions] == [
        "evaluate",
        "notify_customer",
        "notify_customer",
        "return_to_service",
        "close",
    ]
    with pytest.raises(ConflictError, match="was closed"):
        add_action(session=session, nonconformity_id=nc.id, action="evaluate", taken_on=date(2026, 3, 4))


def test_nonconformity_input_errors(session: Session) -> None:
    chain = build_chain(session)
    with pytest.raises(RecordValidationError, match="give suspect_since"):
        record_nonconformity(
            session=session, standard_id=chain.s2.id, found_on=date(2024, 1, 1), description="x"
        )
    with pytest.raises(RecordValidationError, match="description is empty"):
        record_nonconformity(
            session=session, standard_id=chain.s2.id, found_on=date(2026, 1, 1), description=" "
        )
    nc = record_nonconformity(
        session=session,
        standard_id=chain.s3.id,
        found_on=date(2026, 1, 1),
        description="外观损坏",
        suspend=False,
    )
    with pytest.raises(RecordValidationError, match="unknown nonconformity action 'ignore'"):
        add_action(session=session, nonconformity_id=nc.id, action="ignore", taken_on=date(2026, 1, 2))
    with pytest.raises(RecordValidationError, match="before nonconformity"):
        add_action(session=session, nonconformity_id=nc.id, action="evaluate", taken_on=date(2025, 1, 2))
    with pytest.raises(RecordValidationError, match="needs the customer"):
        add_action(
            session=session, nonconformity_id=nc.id, action="notify_customer", taken_on=date(2026, 1, 2)
        )
    add_action(session=session, nonconformity_id=nc.id, action="no_impact", taken_on=date(2026, 1, 2))
    add_action(session=session, nonconformity_id=nc.id, action="close", taken_on=date(2026, 1, 2))


def test_owner_of_a_standard_calibrated_with_the_suspect_one_is_notified(session: Session) -> None:
    chain = build_chain(session)
    theirs = register_equipment(
        session=session,
        kind="standard",
        family="electricity",
        description="客户的 0.1 级标准表",
        serial="T-CUST-STD",
        owner=chain.customer_b,
    )
    add_certificate(
        session=session,
        equipment=theirs,
        number="TEST-CENTRE-CUST-01",
        issuing_lab=CENTRE,
        calibration_date=date(2025, 9, 1),
        due_date=date(2026, 8, 31),
        expanded_uncertainty=0.05,
        uncertainty_unit="%",
        upstream=chain.s2,
    )
    impact = impact_of(
        session=session, standard_id=chain.s2.id, since=date(2025, 8, 1), until=date(2025, 12, 1)
    )
    assert [(i.kind, i.certificate_number, i.customer) for i in impact.items] == [
        ("certificate", "TEST-CENTRE-CUST-01", "重庆某水务公司 B")
    ]
    assert [name for _, name in impact.customers()] == ["重庆某水务公司 B"]

"""Issuing certificates from records on SQLite and PostgreSQL: PDF parsed back, DCC validated and read with
XPath against the records, verify accepts the issued file and rejects a modified one, an undetermined
verification is refused, a revision's certificate replaces the earlier one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.certificates import issue_certificate, verify_certificate_file
from calib_service.documents import CertificateRefused, validate_dcc
from calib_service.errors import ConflictError, IntegrityCheckError, PermissionDenied
from calib_service.evidence import PointSpec
from calib_service.models import CalibrationTransition, IssuedCertificate
from calib_service.records.workflow import revise, transition
from tests.calib_service.certificates.helpers import DAY, approved, dcc_xsd, lab, pdf_text, xp

PASSING = [
    PointSpec("Imax, cosφ=1.0", 0.137, 0.06),
    PointSpec("Ib, cosφ=1.0", -0.211, 0.06),
    PointSpec("0.1Ib, cosφ=1.0", 0.402, 0.08),
]
WHEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Chongqing


def test_verification_certificate_from_records(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    cal = approved(session, lab_, PASSING, serial="T-PASS-1")
    cert = issue_certificate(
        session=session,
        calibration_id=cal.id,
        approver=lab_.people.approver,
        lang="en",
        as_of=WHEN,
        out_dir=tmp_path / "out",
        data_dir=tmp_path / "store",
    )
    session.commit()
    assert cert.kind == "verification" and cert.conformity == "pass" and cert.langs == "zh,en"
    assert re.fullmatch(r"CQCM-JD-2026-\d{6}", cert.number)
    assert cal.status == "issued" and cal.certificate_number == cert.number
    assert cal.issued_by_id == lab_.people.approver.id
    steps = session.scalars(
        select(CalibrationTransition.to_status).where(CalibrationTransition.calibration_id == cal.id)
    ).all()
    assert list(steps) == ["measured", "reviewed", "approved", "issued"]
    assert any(f.startswith("period_unverified") for f in cert.internal_flags)
    assert {(f.role, f.lang) for f in cert.files} == {("pdf", "zh"), ("pdf", "en"), ("dcc", "zh,en")}

    zh = (tmp_path / "out" / f"{cert.number}.zh.pdf").read_bytes()
    pages = pdf_text(zh)
    assert "检定证书" in pages[0]
    for i, page in enumerate(pages, start=1):
        assert cert.number in page
        assert f"第 {i} 页 共 {len(pages)} 页" in page
    text = "\n".join(pages)
    for p in PASSING:  # error rounded to the decimal place of U (two significant digits)
        assert p.label in text
        assert f"{p.error:.3f}" in text
        assert f"{p.uncertainty:.3f}" in text
    assert "JJG 596-2012" in text and lab_.refs.certificate.number.replace("-", "") in text.replace(
        "\n", ""
    ).replace("-", "")
    assert "王强" in text and "李娜" in text and "张伟" in text  # approver, reviewer, performer
    std = lab_.refs.certificate
    cert_u = f"U = {std.expanded_uncertainty:g} %, k = {std.coverage_factor:g}"
    assert cert_u in text  # the standard's certificate: U and k as recorded
    assert "96 个月" in text  # the (unverified) period of a class 1 meter
    assert "DEMO-[2026]渝量标证字第0001号" in text  # the centre's standard assessment certificate
    en = "\n".join(pdf_text((tmp_path / "out" / f"{cert.number}.en.pdf").read_bytes()))
    assert "Page 1 of" in en and cert.number in en

    xml = (tmp_path / "out" / f"{cert.number}.dcc.xml").read_bytes()
    validate_dcc(xml, dcc_xsd())
    assert xp(xml, "//dcc:coreData/dcc:uniqueIdentifier/text()") == [cert.number]
    assert xp(xml, "//dcc:coreData/dcc:mandatoryLangCodeISO639_1/text()") == ["zh", "en"]
    assert xp(xml, "//dcc:usedMethod/dcc:norm/text()") == ["JJG 596-2012"]
    assert xp(xml, "//dcc:measuringEquipment/dcc:certificate/dcc:referralID/text()") == [
        lab_.refs.certificate.number
    ]
    assert xp(xml, "//dcc:customer/dcc:eMail/text()") == ["lab@cement.test"]
    assert xp(xml, "//dcc:statements/dcc:statement/dcc:conformity/text()") == ["pass"]
    values = xp(xml, "//dcc:result/dcc:data/dcc:quantity[1]/si:real/si:value/text()")
    assert [float(v) for v in values] == [p.error for p in PASSING]
    uncs = xp(xml, "//dcc:result/dcc:data/dcc:quantity[1]/si:real/si:expandedUnc/si:uncertainty/text()")
    assert [float(u) for u in uncs] == [p.uncertainty for p in PASSING]
    assert set(xp(xml, "//dcc:result//si:expandedUnc/si:coverageFactor/text()")) == {"2"}
    assert set(xp(xml, "//dcc:result/dcc:data/dcc:quantity[1]/si:real/si:unit/text()")) == {"\\percent"}
    assert xp(xml, "//dcc:influenceCondition//si:unit/text()") == ["\\degreeCelsius", "\\percent"]

    # verify: the issued files pass, a modified copy fails
    for name in (f"{cert.number}.zh.pdf", f"{cert.number}.dcc.xml"):
        found = verify_certificate_file(session=session, path=tmp_path / "out" / name)
        assert found.certificate.number == cert.number and found.superseded_by is None
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(zh.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in zh else zh + b"\n")
    with pytest.raises(IntegrityCheckError, match="matches no issued certificate"):
        verify_certificate_file(session=session, path=tampered)


def test_failed_verification_gets_a_notice(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    points = [PASSING[0], PointSpec("Ib, cosφ=1.0", 1.62, 0.06)]
    cal = approved(session, lab_, points, serial="T-FAIL-1")
    cert = issue_certificate(
        session=session, calibration_id=cal.id, approver=lab_.people.approver, as_of=WHEN, out_dir=tmp_path
    )
    assert cert.kind == "verification_notice" and cert.valid_until is None
    assert "-JT-" in cert.number
    text = "\n".join(pdf_text((tmp_path / f"{cert.number}.zh.pdf").read_bytes()))
    assert "检定结果通知书" in text and "不合格" in text and "1.620" in text
    xml = (tmp_path / f"{cert.number}.dcc.xml").read_bytes()
    validate_dcc(xml, dcc_xsd())
    assert xp(xml, "//dcc:statement/dcc:conformity/text()") == ["fail"]
    assert xp(xml, "//dcc:coreData/dcc:mandatoryLangCodeISO639_1/text()") == ["zh"]
    assert not xp(xml, "//dcc:statement[dcc:valid]")


def test_calibration_with_as_found_and_as_left(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    points = [
        PointSpec("Ib, cosφ=1.0", 0.262, 0.06, None, "as_found"),
        PointSpec("Ib, cosφ=1.0", 0.012, 0.06, None, "as_left"),
    ]
    cal = approved(session, lab_, points, serial="T-CAL-1", calibration=True)
    cert = issue_certificate(
        session=session, calibration_id=cal.id, approver=lab_.people.approver, as_of=WHEN, out_dir=tmp_path
    )
    assert cert.kind == "calibration" and cert.conformity is None and cert.valid_until is None
    text = "\n".join(pdf_text((tmp_path / f"{cert.number}.zh.pdf").read_bytes()))
    assert "校准证书" in text and "调整前" in text and "调整后" in text
    assert "0.262" in text and "0.012" in text and "检定周期" not in text
    xml = (tmp_path / f"{cert.number}.dcc.xml").read_bytes()
    validate_dcc(xml, dcc_xsd())
    assert xp(xml, "//dcc:influenceCondition/dcc:status/text()") == ["beforeAdjustment", "afterAdjustment"]
    assert not xp(xml, "//dcc:conformity")


def test_undetermined_verification_is_refused_and_nothing_stored(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    # U95 = 0.4 % > MPEV/3: pass needs |Δ| <= 0.6 %, fail |Δ| >= 1.4 % -> 0.98 % is undetermined (待定)
    cal = approved(session, lab_, [PointSpec("Ib, cosφ=1.0", 0.98, 0.4)], serial="T-UND-1")
    assert cal.decision == "undetermined"
    with pytest.raises(CertificateRefused, match="待定"):
        issue_certificate(
            session=session,
            calibration_id=cal.id,
            approver=lab_.people.approver,
            as_of=WHEN,
            out_dir=tmp_path / "out",
        )
    assert session.scalar(select(func.count()).select_from(IssuedCertificate)) == 0
    assert cal.status == "approved" and not (tmp_path / "out").exists()


def test_only_an_approver_issues_and_only_approved_records(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    cal = approved(session, lab_, PASSING, serial="T-PERM-1")
    with pytest.raises(PermissionDenied, match=r"certificate\.issue"):
        issue_certificate(session=session, calibration_id=cal.id, approver=lab_.people.technician, as_of=WHEN)
    new = revise(
        session=session, actor=lab_.people.technician, calibration_id=cal.id, reason="typo", now=WHEN
    )
    with pytest.raises(ConflictError, match="draft"):
        issue_certificate(session=session, calibration_id=new.id, approver=lab_.people.approver, as_of=WHEN)


def test_revision_reissue_replaces_the_earlier_certificate(session: Session, tmp_path: Path) -> None:
    lab_ = lab(session)
    people = lab_.people
    cal = approved(session, lab_, PASSING, serial="T-REV-1")
    first = issue_certificate(
        session=session,
        calibration_id=cal.id,
        approver=people.approver,
        as_of=WHEN,
        out_dir=tmp_path,
        data_dir=tmp_path / "s",
    )
    later = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    new = revise(
        session=session, actor=people.technician, calibration_id=cal.id, reason="wrong serial", now=later
    )
    for actor, status in (
        (people.technician, "measured"),
        (people.reviewer, "reviewed"),
        (people.approver, "approved"),
    ):
        transition(session=session, actor=actor, calibration_id=new.id, to_status=status, now=later)
    second = issue_certificate(
        session=session,
        calibration_id=new.id,
        approver=people.approver,
        as_of=later,
        out_dir=tmp_path,
        data_dir=tmp_path / "s",
    )
    session.commit()
    assert second.replaces_id == first.id and second.number != first.number
    assert new.replaces_certificate == first.number
    text = "\n".join(pdf_text((tmp_path / f"{second.number}.zh.pdf").read_bytes()))
    assert first.number in text
    xml = (tmp_path / f"{second.number}.dcc.xml").read_bytes()
    assert xp(xml, "//dcc:previousReport/dcc:referralID/text()") == [first.number]
    assert xp(xml, "//dcc:previousReport/dcc:value/text()") == [first.pdf_sha256]
    old = verify_certificate_file(session=session, path=tmp_path / f"{first.number}.zh.pdf")
    assert old.superseded_by == second.number
    first.pdf_sha256 = "0" * 64  # an issued record is never edited
    with pytest.raises(ConflictError, match="never changed"):
        session.flush()
    assert DAY.year == 2026


def test_calibration_states_an_interval_only_when_the_customer_asked(
    session: Session, tmp_path: Path
) -> None:
    from calib_service.models.records import Job

    lab_ = lab(session)
    points = [PointSpec("Ib, cosφ=1.0", 0.262, 0.06, None, "as_found")]
    cal = approved(session, lab_, points, serial="T-CAL-INT", calibration=True)
    assert cal.job_id is not None
    job = session.get(Job, cal.job_id)
    assert job is not None
    job.calibration_interval_months = 12  # agreed at intake (ISO/IEC 17025 7.8.4.3)
    session.flush()
    cert = issue_certificate(
        session=session, calibration_id=cal.id, approver=lab_.people.approver, as_of=WHEN, out_dir=tmp_path
    )
    assert cert.kind == "calibration" and cert.valid_until is not None
    text = "\n".join(pdf_text((tmp_path / f"{cert.number}.zh.pdf").read_bytes()))
    assert "12" in text and "有效期至" in text
    validate_dcc((tmp_path / f"{cert.number}.dcc.xml").read_bytes(), dcc_xsd())

"""Certificate PDFs parsed back: title, numbers, U and k, page x of y; undetermined verifications refused."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from calib_service.documents import (
    CertificateDataError,
    CertificateKind,
    CertificateRefused,
    Decision,
    DocumentError,
    MeasurementPoint,
    ResultSet,
    Text,
    VerificationValidity,
    fallback_font,
    render_certificate_pdf,
)
from calib_service.documents.fonts import DEFAULT_FONT_CANDIDATES
from calib_service.documents.samples import sample_calibration, sample_verification
from tests.calib_service.documents.pdf_text import pdf_pages

_HAVE_TTF = any(Path(p).is_file() for p, _, _ in DEFAULT_FONT_CANDIDATES)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_verification_zh_content() -> None:
    data = sample_verification()
    pages = pdf_pages(render_certificate_pdf(data))
    first, text = pages[0], "\n".join(pages)
    assert "检定证书" in first
    for needle in (
        "CQCM-JD-2026-000123",  # unique number
        "JJG 596-2012",  # method
        "重庆示例水泥有限公司",  # customer
        "2026110042",  # serial
        "(渝)法计(2026)00001号",  # authorisation
        "[2026]渝量标证字第0102号",  # standard certificate
        "DLj2026-04417",  # standard's own certificate
        "22.6 °C",  # environment with unit
        "有效期至",
        "2034年11月25日",
        "王五",  # authorised signatory
        "溯源性说明",
        "判定规则与风险",
        "符合性声明",
    ):
        assert needle in text, needle
    # the -0.19961 % error with U = 0.0342 % prints as -0.200 and 0.034 in a column headed with the unit
    assert "-0.200" in text and "0.034" in text
    assert "0.83" in text and "0.12" in text
    assert "扩展不确定度U(%)" in _flat(text)
    assert "包含因子 k" in text and "95 %" in text
    assert "合格" in text


def test_every_page_has_number_and_page_x_of_y() -> None:
    data = sample_verification()
    many = tuple(
        MeasurementPoint(
            Text(f"点 {i}", f"point {i}"), 0.01 * i, "percent", 0.05, 2.0, mpe=1.0, decision=Decision.PASS
        )
        for i in range(90)
    )
    data = replace(data, results=(ResultSet(Text("基本误差", "Basic error"), many),))
    pages = pdf_pages(render_certificate_pdf(data))
    assert len(pages) >= 3
    for i, page in enumerate(pages, start=1):
        assert f"第 {i} 页 共 {len(pages)} 页" in page
        assert "CQCM-JD-2026-000123" in page


def test_calibration_en_variant_with_as_found_and_as_left() -> None:
    pages = pdf_pages(render_certificate_pdf(sample_calibration(), "en"))
    text = "\n".join(pages)
    assert "Calibration Certificate" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert "As found (before adjustment)" in text and "As left (after adjustment)" in text
    assert "CQCM-JZ-2026-000400" in text  # replaced certificate
    assert "μmol/mol" in text
    # as found 1021.0 - 1000 with U = 9.6 -> 21.0; as left 401.2 - 400 with U = 4.1 -> 1.2
    assert "21.0" in text and "1.2" in text and "9.6" in text
    assert "Verification period" not in text  # no validity on a calibration certificate
    assert "No statement of conformity is made." in text


def test_verification_notice_lists_failed_points() -> None:
    data = sample_verification()
    rs = data.results[0]
    failed = replace(rs.points[0], error=1.42, decision=Decision.FAIL)
    data = replace(
        data,
        kind=CertificateKind.VERIFICATION_NOTICE,
        conformity=Decision.FAIL,
        validity=None,
        results=(replace(rs, points=(failed, *rs.points[1:])),),
    )
    text = "\n".join(pdf_pages(render_certificate_pdf(data)))
    assert "检定结果通知书" in text
    assert "不合格项目" in text and "Imax, cosφ=1.0" in text
    assert "不合格" in text


def test_undetermined_verification_is_refused() -> None:
    data = replace(sample_verification(), conformity=Decision.UNDETERMINED)
    with pytest.raises(CertificateRefused, match="undetermined"):
        render_certificate_pdf(data)
    assert issubclass(CertificateRefused, ValueError)


def test_undetermined_point_in_verification_is_refused() -> None:
    data = sample_verification()
    rs = data.results[0]
    point = replace(rs.points[0], decision=Decision.UNDETERMINED)
    with pytest.raises(CertificateRefused, match="Imax"):
        render_certificate_pdf(replace(data, results=(replace(rs, points=(point, *rs.points[1:])),)))


def test_undetermined_calibration_is_issued() -> None:
    data = replace(sample_calibration(), conformity=Decision.UNDETERMINED)
    text = "\n".join(pdf_pages(render_certificate_pdf(data)))
    assert "待定" in text


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(conformity=Decision.FAIL), "verification_notice"),
        (dict(validity=None), "validity"),
        (dict(number=" "), "number"),
        (dict(results=()), "results"),
        (dict(langs=("fr",)), "langs"),
    ],
)
def test_inconsistent_verification_data(change: dict[str, object], match: str) -> None:
    with pytest.raises(CertificateDataError, match=match):
        render_certificate_pdf(replace(sample_verification(), **change))  # type: ignore[arg-type]


def test_calibration_validity_only_when_customer_asked() -> None:
    validity = VerificationValidity(12, sample_calibration().issue_date.replace(year=2027))
    with pytest.raises(CertificateDataError, match="customer"):
        render_certificate_pdf(replace(sample_calibration(), validity=validity))
    data = replace(sample_calibration(), validity=validity, validity_requested_by_customer=True)
    assert "有效期至" in "\n".join(pdf_pages(render_certificate_pdf(data)))


def test_language_must_be_one_of_issue() -> None:
    with pytest.raises(DocumentError, match="en"):
        render_certificate_pdf(sample_verification(langs=("zh",)), "en")


def test_same_data_same_bytes_and_dates_from_issue_date() -> None:
    data = sample_verification()
    a = render_certificate_pdf(data)
    assert a == render_certificate_pdf(data)
    assert b"D:20261130000000+08'00'" in a
    later = render_certificate_pdf(replace(data, issue_date=data.issue_date.replace(day=29)))
    assert b"D:20261129000000+08'00'" in later


@pytest.mark.skipif(not _HAVE_TTF, reason="no TrueType CJK font installed (apt-get install fonts-wqy-zenhei)")
def test_cjk_font_is_embedded_as_subset() -> None:
    pdf = render_certificate_pdf(sample_verification())
    assert b"/FontFile2" in pdf


def test_standard_cid_font_fallback_still_extracts() -> None:
    pdf = render_certificate_pdf(sample_verification(), font=fallback_font())
    assert b"/FontFile2" not in pdf and b"STSong-Light" in pdf
    assert "检定证书" in pdf_pages(pdf)[0]
    assert "STSong-Light" in fallback_font().note


def test_passed_verification_with_a_failed_point_is_inconsistent() -> None:
    data = sample_verification()
    rs = data.results[0]
    point = replace(rs.points[1], error=1.3, decision=Decision.FAIL)
    with pytest.raises(CertificateDataError, match="verification_notice"):
        render_certificate_pdf(replace(data, results=(replace(rs, points=(rs.points[0], point)),)))


def test_kind_specific_labels() -> None:
    verification = "\n".join(pdf_pages(render_certificate_pdf(sample_verification())))
    calibration = "\n".join(pdf_pages(render_certificate_pdf(sample_calibration())))
    assert "检定日期" in verification and "检定员" in verification and "检定结果" in verification
    assert "校准日期" in calibration and "校准员" in calibration and "校准结果" in calibration


def test_markup_characters_are_printed_literally() -> None:
    data = sample_verification()
    customer = replace(data.customer, name=Text("A&B <重庆> 公司", "A&B <Chongqing> Ltd."))
    text = "\n".join(pdf_pages(render_certificate_pdf(replace(data, customer=customer))))
    assert "A&B <重庆> 公司" in text

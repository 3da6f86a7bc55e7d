"""DCC 3.1.2 output validated against the pinned schema and checked with XPath."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from calib_service.documents import (
    CertificateKind,
    CertificateRefused,
    DccValidationError,
    Decision,
    render_certificate_pdf,
)
from calib_service.documents.dcc import dcc_conformity, render_dcc_xml, validate_dcc
from calib_service.documents.samples import sample_calibration, sample_verification

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


def _xp(xml: bytes, path: str) -> list[str]:
    found = etree.fromstring(xml).xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [str(x) for x in found]


def test_verification_dcc_validates_and_carries_content(dcc_xsd: Path) -> None:
    xml = render_dcc_xml(sample_verification())
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "/dcc:digitalCalibrationCertificate/@schemaVersion") == ["3.1.2"]
    core = "//dcc:coreData/"
    assert _xp(xml, core + "dcc:countryCodeISO3166_1/text()") == ["CN"]
    assert _xp(xml, core + "dcc:usedLangCodeISO639_1/text()") == ["zh", "en"]
    assert _xp(xml, core + "dcc:mandatoryLangCodeISO639_1/text()") == ["zh", "en"]
    assert _xp(xml, core + "dcc:uniqueIdentifier/text()") == ["CQCM-JD-2026-000123"]
    assert _xp(xml, core + "dcc:receiptDate/text()") == ["2026-11-24"]
    assert _xp(xml, core + "dcc:beginPerformanceDate/text()") == ["2026-11-26"]
    assert _xp(xml, core + "dcc:performanceLocation/text()") == ["laboratory"]
    assert _xp(xml, "//dcc:item/dcc:manufacturer/dcc:name/dcc:content/text()") == ["示例电气股份有限公司"]
    assert _xp(xml, "//dcc:item//dcc:identification[dcc:issuer='manufacturer']/dcc:value/text()") == [
        "2026110042"
    ]
    assert _xp(xml, "//dcc:calibrationLaboratory/dcc:contact/dcc:eMail/text()") == ["calib@example.cn"]
    assert _xp(xml, "//dcc:customer/dcc:eMail/text()") == ["energy@example-cement.cn"]
    assert _xp(xml, "//dcc:respPerson[dcc:mainSigner='true']/dcc:person/dcc:name/dcc:content/text()") == [
        "王五"
    ]
    # conformity statement: pass, the regulation as norm, the decision rule as declaration
    stmt = "//dcc:statements/dcc:statement[dcc:conformity]"
    assert _xp(xml, stmt + "/dcc:conformity/text()") == ["pass"]
    assert _xp(xml, stmt + "/dcc:norm/text()") == ["JJG 596-2012"]
    assert "JJF 1094-2002" in _xp(xml, stmt + "/dcc:declaration/dcc:content[@lang='zh']/text()")[0]
    assert _xp(xml, "//dcc:statement[dcc:valid]/dcc:date/text()") == ["2034-11-25"]
    assert _xp(xml, "//dcc:statement[dcc:valid]/dcc:period/text()") == ["P96M"]
    assert _xp(xml, "//dcc:statement[dcc:traceable='true']/dcc:declaration/dcc:content[@lang='en']/text()")
    # method and the standard's certificate
    assert _xp(xml, "//dcc:usedMethod/dcc:norm/text()") == ["JJG 596-2012"]
    cert = "//dcc:measuringEquipment/dcc:certificate/"
    assert _xp(xml, cert + "dcc:referralID/text()") == ["DLj2026-04417"]
    assert _xp(xml, cert + "dcc:procedure/text()") == ["SHA-256"]
    assert _xp(xml, cert + "dcc:value/text()")[0].startswith("5f1d4c0a")
    # first point: error -0.19961 % with U 0.0342 %, k = 2 -> -0.200 / 0.034
    real = "(//dcc:result)[1]/dcc:data/dcc:quantity[1]/si:real/"
    assert _xp(xml, real + "si:value/text()") == ["-0.200"]
    assert _xp(xml, real + "si:unit/text()") == ["\\percent"]
    assert _xp(xml, real + "si:expandedUnc/si:uncertainty/text()") == ["0.034"]
    assert _xp(xml, real + "si:expandedUnc/si:coverageFactor/text()") == ["2"]
    assert _xp(xml, real + "si:expandedUnc/si:coverageProbability/text()") == ["0.95"]
    assert _xp(xml, "//dcc:measurementMetaData/dcc:metaData/dcc:conformityXMLList/text()") == [
        "pass pass pass pass"
    ]
    # environment in D-SI
    assert _xp(xml, "//dcc:influenceCondition//si:unit/text()") == ["\\degreeCelsius", "\\percent"]


def test_calibration_dcc_as_found_as_left(dcc_xsd: Path) -> None:
    xml = render_dcc_xml(sample_calibration())
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "//dcc:influenceCondition/dcc:status/text()") == ["beforeAdjustment", "afterAdjustment"]
    assert len(_xp(xml, "//dcc:measurementResult")) == 2
    assert _xp(xml, "//dcc:previousReport/dcc:referralID/text()") == ["CQCM-JZ-2026-000400"]
    assert "\\micro\\mole\\per\\mole" in _xp(xml, "//si:unit/text()")
    assert not _xp(xml, "//dcc:conformity")  # no statement of conformity asked for
    assert not _xp(xml, "//dcc:statement[dcc:valid]")  # no validity on a calibration


def test_zh_only_certificate_declares_only_zh(dcc_xsd: Path) -> None:
    xml = render_dcc_xml(sample_verification(langs=("zh",)))
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "//dcc:usedLangCodeISO639_1/text()") == ["zh"]
    assert set(_xp(xml, "//dcc:content/@lang")) == {"zh"}


def test_notice_is_fail(dcc_xsd: Path) -> None:
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
    xml = render_dcc_xml(data)
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "//dcc:statement/dcc:conformity/text()") == ["fail"]
    assert _xp(xml, "//dcc:conformityXMLList/text()") == ["fail pass pass pass"]


@pytest.mark.parametrize(("error", "expected"), [(0.45, "conditionalPass"), (-0.55, "conditionalFail")])
def test_undetermined_calibration_maps_to_conditional(dcc_xsd: Path, error: float, expected: str) -> None:
    data = sample_verification()
    rs = data.results[0]
    point = replace(rs.points[0], error=error, mpe=0.5, uncertainty=0.2, decision=Decision.UNDETERMINED)
    data = replace(
        data,
        kind=CertificateKind.CALIBRATION,
        conformity=Decision.UNDETERMINED,
        validity=None,
        results=(replace(rs, points=(point,)),),
    )
    xml = render_dcc_xml(data)
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "//dcc:statement/dcc:conformity/text()") == [expected]
    assert dcc_conformity(Decision.PASS) == "pass" and dcc_conformity(Decision.FAIL) == "fail"


def test_undetermined_verification_gets_no_dcc() -> None:
    with pytest.raises(CertificateRefused):
        render_dcc_xml(replace(sample_verification(), conformity=Decision.UNDETERMINED))


def test_embedded_pdf_round_trips(dcc_xsd: Path) -> None:
    data = sample_verification()
    pdf = render_certificate_pdf(data)
    xml = render_dcc_xml(data, pdf=pdf)
    validate_dcc(xml, dcc_xsd)
    assert _xp(xml, "/dcc:digitalCalibrationCertificate/dcc:document/dcc:mimeType/text()") == [
        "application/pdf"
    ]
    assert base64.b64decode(_xp(xml, "//dcc:document/dcc:dataBase64/text()")[0]) == pdf


def test_dcc_is_deterministic() -> None:
    assert render_dcc_xml(sample_calibration()) == render_dcc_xml(sample_calibration())


def test_validation_lists_violations(dcc_xsd: Path) -> None:
    root = etree.fromstring(render_dcc_xml(sample_verification()))
    for path in (".//dcc:uniqueIdentifier", ".//dcc:customer/dcc:eMail"):
        el = root.find(path, namespaces=NS)
        assert el is not None
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)
    with pytest.raises(DccValidationError) as info:
        validate_dcc(etree.tostring(root), dcc_xsd)
    assert len(info.value.violations) >= 2
    joined = " ".join(info.value.violations)
    assert "uniqueIdentifier" in joined and "eMail" in joined


def test_validation_rejects_malformed_xml(dcc_xsd: Path) -> None:
    with pytest.raises(DccValidationError, match="well-formed"):
        validate_dcc(b"<dcc:digitalCalibrationCertificate", dcc_xsd)


def test_missing_schema_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"dcc\.xsd"):
        validate_dcc(b"<x/>", tmp_path / "dcc.xsd")


def test_matches_golden_file(dcc_xsd: Path) -> None:
    golden = Path(__file__).parent / "golden" / "dcc_sample_verification.xml"
    validate_dcc(golden.read_bytes(), dcc_xsd)
    assert render_dcc_xml(sample_verification()) == golden.read_bytes(), "DCC output changed; review the diff"

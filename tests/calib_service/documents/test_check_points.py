"""Checks judged against their limit without a budget (T90, drift): no U and no k on the documents."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from calib_service.documents import (
    CertificateDataError,
    MeasurementPoint,
    Text,
    render_certificate_pdf,
    render_dcc_xml,
    validate_dcc,
)
from calib_service.documents.samples import sample_verification
from tests.calib_service.documents.pdf_text import pdf_pages

NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


def _with_check(u: float | None = None, k: float | None = None) -> object:
    data = sample_verification()
    check = MeasurementPoint(
        label=Text("响应时间 T90", "Response time T90"), error=30.0, error_unit="s", uncertainty=u, k=k,
        mpe=200.0,
    )
    rs = data.results[0]
    return dataclasses.replace(data, results=(dataclasses.replace(rs, points=(*rs.points, check)),))


def test_check_row_has_no_uncertainty(dcc_xsd: Path) -> None:
    data = _with_check()
    text = "\n".join(pdf_pages(render_certificate_pdf(data)))  # type: ignore[arg-type]
    assert "响应时间 T90" in text
    xml = render_dcc_xml(data)  # type: ignore[arg-type]
    validate_dcc(xml, dcc_xsd)
    root = etree.fromstring(xml)
    results = root.findall(".//dcc:result", NS)
    check = next(r for r in results if "T90" in "".join(r.itertext()))
    assert check.find(".//si:expandedUnc", NS) is None
    assert check.find(".//si:value", NS).text == "30"
    # a check reports what it measured, the results with a budget their error
    names = {c.text for c in check.findall("./dcc:data/dcc:quantity/dcc:name/dcc:content", NS)}
    assert {"测得值", "Measured value"} <= names and "误差" not in names
    others = [r for r in results if r is not check]
    assert all(r.find(".//si:expandedUnc", NS) is not None for r in others)


def test_u_without_k_is_refused() -> None:
    with pytest.raises(CertificateDataError, match="both U and k, or neither"):
        render_certificate_pdf(_with_check(u=1.0))  # type: ignore[arg-type]

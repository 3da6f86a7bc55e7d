"""The demo's documents: the JJG 596 demo run (fast ScaledClock) approved through the workflow and issued,
a seeded year adds a notice and a calibration certificate, and the annual report comes out in every format."""

from __future__ import annotations

import doctest
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select

import calib_service.certificates.validity
from calib_service.db import make_session_factory
from calib_service.demo import DemoOptions, run_demo
from calib_service.demo_outputs import write_demo_documents
from calib_service.documents import validate_dcc
from calib_service.models import Calibration, CalibrationPoint, IssuedCertificate
from instruments.clock import ScaledClock
from tests.calib_service.certificates.helpers import dcc_xsd, pdf_text, xp

TODAY = date(2026, 12, 1)


def test_validity_doctests() -> None:
    result = doctest.testmod(calib_service.certificates.validity)
    assert result.failed == 0 and result.attempted >= 4


@pytest.mark.sqlite_only  # the demo's serial run is covered on both backends by test_demo_e2e
def test_demo_documents(engine: Engine, tmp_path: Path) -> None:
    factory = make_session_factory(engine)
    summary = run_demo(
        session_factory=factory,
        options=DemoOptions(out_dir=tmp_path / "run", seed=11),
        today=TODAY,
        progress=lambda _m: None,
        wall=lambda: datetime(2026, 12, 1, 1, 30, tzinfo=UTC),
        clock=ScaledClock(5000.0),
    )
    assert summary["decision"] == "pass"
    with factory() as s:
        demo_id = s.scalars(select(Calibration.id)).one()
    docs = write_demo_documents(
        session_factory=factory,
        calibration_ids=[demo_id],
        out_dir=tmp_path / "out",
        as_of=TODAY,
        year=2026,
        calibrations_per_month=1,
        max_calibrations=5,
        data_dir=tmp_path / "store",
    )
    kinds = {c["kind"] for c in docs.certificates.values()}
    assert kinds == {"verification", "verification_notice", "calibration"}
    with factory() as s:
        demo_cert = s.scalars(
            select(IssuedCertificate).where(IssuedCertificate.calibration_id == demo_id)
        ).one()
        points = s.scalars(select(CalibrationPoint).where(CalibrationPoint.calibration_id == demo_id)).all()
    files = docs.certificates[demo_cert.number]["files"]
    assert len(files) == 3  # zh and en PDF, bilingual DCC
    pages = pdf_text(Path(next(f for f in files if f.endswith(".zh.pdf"))).read_bytes())
    text = "\n".join(pages)
    assert "检定证书" in pages[0] and f"共 {len(pages)} 页" in pages[-1]
    for p in points:
        assert p.label in text
    # the starting and creep tests: the pulse count, no U or k, the decision; English labels in English
    flat = text.replace("\n", " ")
    assert "起动 0.004Ib 1 imp — — 合格" in flat and "潜动 1.15Un 0 imp — — 合格" in flat
    en = " ".join(pdf_text(Path(next(f for f in files if f.endswith(".en.pdf"))).read_bytes()))
    assert "Starting 0.004Ib" in en and "Creep 1.15Un" in en
    xml = Path(next(f for f in files if f.endswith(".xml"))).read_bytes()
    validate_dcc(xml, dcc_xsd())
    assert len(xp(xml, "//dcc:result")) == len(points)
    creep = "//dcc:result[dcc:name/dcc:content[@lang='en']='Creep 1.15Un']"
    assert xp(xml, f"{creep}//si:value/text()") == ["0"] and xp(xml, f"{creep}//si:unit/text()") == ["\\one"]
    assert xp(xml, f"{creep}//si:expandedUnc") == []
    assert xp(xml, "//dcc:mandatoryLangCodeISO639_1/text()") == ["zh", "en"]
    for entry in docs.certificates.values():
        for f in entry["files"]:
            if f.endswith(".xml"):
                validate_dcc(Path(f).read_bytes(), dcc_xsd())
    assert set(docs.evidence) == {"pdf", "xlsx", "html", "json", "pdf-en", "xlsx-en", "html-en"}
    report = json.loads(Path(docs.evidence["json"]).read_bytes())
    assert report["year"] == 2026 and report["as_of"] == "2026-12-01"
    wb = openpyxl.load_workbook(io.BytesIO(Path(docs.evidence["xlsx"]).read_bytes()))
    rows = {r[0]: r for r in wb["任务4"].iter_rows(values_only=True) if r and r[0]}
    with factory() as s:
        issued = len(s.scalars(select(IssuedCertificate)).all())
    assert rows["出具证书"][1] == issued == len(docs.seeded_calibrations) + 1


def test_check_points_print_their_chinese_and_english_names() -> None:
    from calib_service.certificates.builder import CHECK_LABELS, _label

    def point(label: str, **parameters: object) -> CalibrationPoint:
        return CalibrationPoint(label=label, parameters=parameters)

    assert (_label(point("pressure_loss", check=True)).zh, _label(point("pressure_loss", check=True)).en) == (
        "压力损失",
        "Pressure loss",
    )
    assert _label(point("interference_CO", check=True)).zh == "CO 干扰"
    assert _label(point("interference_CO", check=True)).en == "Interference of CO"
    # a measured point keeps its stored label; a check code only becomes a name when it is a check
    assert _label(point("qmax")).zh == "qmax"
    assert _label(point("response_time")).zh == "response_time"
    assert {"repeatability", "response_time", "zero_drift", "span_drift"} <= set(CHECK_LABELS)

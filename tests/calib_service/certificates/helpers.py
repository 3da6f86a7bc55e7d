"""Records for the certificate tests, made through the services and the four-eyes workflow."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lxml import etree
from pypdf import PdfReader
from sqlalchemy.orm import Session

from calib_service.demo_data import DemoRefs, seed_reference_data
from calib_service.evidence import (
    DemoPeople,
    PointSpec,
    authorise_technician,
    demo_people,
    record_calibration,
)
from calib_service.models import Calibration
from calib_service.procedures import comparison, jjg596
from calib_service.services.calibrations import ensure_procedure
from calib_service.services.equipment import get_or_create_customer

DAY = date(2026, 11, 20)
CUSTOMER = ("重庆测试水泥有限公司", "lab@cement.test")
NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


def dcc_xsd() -> Path:
    """``shared/dcc/dcc.xsd`` beside the repository."""
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "pyproject.toml").is_file())
    return root.parent / "shared" / "dcc" / "dcc.xsd"


@dataclass
class Lab:
    """What a test needs: the demo chain, people and both procedures."""

    refs: DemoRefs
    people: DemoPeople


def lab(session: Session) -> Lab:
    """The demo reference data (electricity chain up to NIM), people with authorisations, a customer."""
    refs = seed_reference_data(session=session, as_of=DAY)
    people = demo_people(session=session)
    ensure_procedure(
        session=session,
        code=comparison.CODE,
        title_zh=comparison.TITLE_ZH,
        title_en=comparison.TITLE_EN,
        kind="calibration",
        family=comparison.FAMILY,
        data_version=comparison.DATA_VERSION,
    )
    for code in (jjg596.CODE, comparison.CODE):
        authorise_technician(session, people, code, DAY.year)
    get_or_create_customer(
        session=session, name=CUSTOMER[0], email=CUSTOMER[1], address="重庆市江津区测试路 8 号"
    )
    return Lab(refs, people)


def approved(
    session: Session, lab_: Lab, points: list[PointSpec], *, serial: str, calibration: bool = False
) -> Calibration:
    """An approved record of ``points`` (JJG 596 verification, or a calibration by comparison)."""
    from sqlalchemy import select

    from calib_service.models import Procedure

    code = comparison.CODE if calibration else jjg596.CODE
    proc = session.scalars(select(Procedure).where(Procedure.code == code)).one()
    return record_calibration(
        session=session,
        people=lab_.people,
        procedure=proc,
        standard=(lab_.refs.standard_meter, lab_.refs.certificate),
        customer_name=CUSTOMER[0],
        serial=serial,
        day=DAY,
        points=points,
    )


def pdf_text(pdf: bytes) -> list[str]:
    """Text of each page."""
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def xp(xml: bytes, path: str) -> list[str]:
    """XPath strings in a DCC."""
    found = etree.fromstring(xml).xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [str(x) for x in found]

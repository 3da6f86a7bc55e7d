"""Chain diagrams are well-formed SVG naming the chain; the demo seed builds a complete chain."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from sqlalchemy.orm import Session

from calib_service.services.calibrations import use_standard
from calib_service.traceability import (
    assert_traceable,
    assert_usable,
    centre_graph,
    centre_svg,
    chain_svg,
    cmc_floor,
    control_chart,
    control_chart_svg,
    record_check,
    trace_calibration,
)
from calib_service.traceability.seed import NIM, PROVINCIAL, seed_demo_chain, seed_demo_co2_chain
from tests.calib_service.traceability.builders import build_chain, calibrate, utc

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")] + [t.text or "" for t in root.iter(f"{SVG}title")]


def test_chain_svg_names_every_link(session: Session) -> None:
    chain = build_chain(session)
    cal = calibrate(
        session, chain, at=utc(2026, 2, 27), standard=chain.e3, certificate=None, customer=chain.customer_a
    )
    texts = "\n".join(_texts(chain_svg(trace_calibration(session=session, calibration_id=cal.id))))
    for expected in (
        "SI 国际单位制",
        "国家电能计量基准",
        "中国计量科学研究院",
        "TEST-NIM-2025-01",
        "TEST-CQ-2025-02",
        "TEST-CENTRE-2025-03",
        "0.2 级工作标准电能表 (T-E3)",
        cal.number,
        "chain complete",
    ):
        assert expected in texts, expected


def test_broken_chain_svg_shows_findings_and_escapes_text(session: Session) -> None:
    chain = build_chain(session)
    chain.e2.description = '标准表 <A&B> "x"'
    cal = calibrate(
        session, chain, at=utc(2026, 3, 5), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    svg = chain_svg(trace_calibration(session=session, calibration_id=cal.id))
    texts = "\n".join(_texts(svg))
    assert "chain complete; 1 error(s)" in texts  # complete to NIM but the first certificate expired
    assert "[expired_certificate]" in texts and "<A&B>" in texts
    assert 'stroke-dasharray="5,3"' in svg


def test_centre_svg_is_a_hierarchy(session: Session) -> None:
    chain = build_chain(session)
    graph = centre_graph(session=session, as_of=date(2026, 1, 20))
    rows = {n.standard.name: n.row for n in graph.nodes}
    assert rows == {
        "国家电能计量基准": 0,
        "0.01 级电能表标准装置": 1,
        "0.05 级三相电能表检定装置": 2,
        "0.2 级电能表工作标准": 3,
    }
    assert {(e.upstream_id, e.downstream_id) for e in graph.edges} == {
        (chain.p.id, chain.s1.id),
        (chain.s1.id, chain.s2.id),
        (chain.s2.id, chain.s3.id),
    }
    texts = "\n".join(_texts(centre_svg(graph)))
    for expected in ("国家电能计量基准", "重庆市计量质量检测研究院", "TEST-CQ-2025-02", "SI 国际单位制"):
        assert expected in texts
    later = centre_graph(session=session, as_of=date(2026, 4, 1))
    assert [n.problem for n in later.nodes if n.standard.id == chain.s2.id] == [
        "TEST-CQ-2025-02 expired 2026-02-28"
    ]


def test_control_chart_svg(session: Session) -> None:
    chain = build_chain(session)
    for i, v in enumerate([0.01, 0.012, 0.009, 0.011, 0.01, 0.05]):
        record_check(
            session=session,
            equipment=chain.e2,
            point="P1",
            checked_on=date(2025, 5, 1 + i),
            value=v,
            unit="%",
        )
    svg = control_chart_svg(control_chart(session=session, equipment=chain.e2, point="P1"))
    root = ET.fromstring(svg.encode())
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 6 and [c.get("fill") for c in circles].count("#c5221f") == 1


def test_seed_demo_chain_is_complete_and_usable(session: Session) -> None:
    as_of = date(2026, 12, 1)
    seeded = seed_demo_chain(session=session, as_of=as_of)
    again = seed_demo_chain(session=session, as_of=as_of)
    assert again["centre"].id == seeded["centre"].id  # idempotent
    meter = seeded["reference_meter"]
    cert = assert_usable(session=session, equipment=meter, day=as_of)
    assert cert.issuing_lab == PROVINCIAL and cert.number.startswith("DEMO-")
    assert cmc_floor(session=session, equipment_id=meter.id, day=as_of) == (0.05, "%")
    chain = build_chain(session)
    cal = calibrate(
        session, chain, at=utc(2026, 12, 1), standard=chain.e2, certificate=None, customer=chain.customer_a
    )
    for used in list(cal.standards):
        session.delete(used)
    session.flush()
    use_standard(session=session, calibration=cal, equipment=meter, certificate=cert, role="reference")
    session.expire_all()
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert trace.ok, trace.findings
    assert [t.holder for t in trace.tops()] == [NIM]
    assert [lk.certificate.issuing_lab for lk in trace.links if lk.certificate] == [PROVINCIAL, NIM]
    assert_traceable(session=session, calibration_id=cal.id)


def test_seed_demo_co2_chain_ends_at_a_crm(session: Session) -> None:
    as_of = date(2026, 12, 1)
    seeded = seed_demo_co2_chain(session=session, as_of=as_of)
    assert seed_demo_co2_chain(session=session, as_of=as_of)["cylinder"].id == seeded["cylinder"].id
    cylinder = seeded["cylinder"]
    assert assert_usable(session=session, equipment=cylinder, day=as_of).number.startswith("DEMO-")
    assert cmc_floor(session=session, equipment_id=cylinder.id, day=as_of) == (1.0, "ppm")
    chain = build_chain(session)
    cal = calibrate(
        session,
        chain,
        at=utc(2026, 12, 1),
        standard=cylinder,
        certificate=None,
        customer=chain.customer_b,
        u_percent=0.5,
        parameters={"co2": [400.0, "ppm"]},
    )
    trace = trace_calibration(session=session, calibration_id=cal.id)
    assert trace.ok, trace.findings
    assert [(t.crm_number, t.holder) for t in trace.tops()] == [("GBW DEMO-CO2-0400", NIM)]

"""Traceability (ISO/IEC 17025 6.5, 7.10): chains, usability of standards, impact analysis, intermediate
checks, due lists, nonconformities and chain diagrams.

The approval workflow calls :func:`assert_traceable`; the calibration runner calls :func:`assert_usable`
for each standard at the start of a run and :func:`cmc_floor` for the floor of the reported uncertainty.
"""

from __future__ import annotations

from calib_service.traceability.centre import CentreEdge, CentreGraph, CentreNode, centre_graph
from calib_service.traceability.chain import (
    Finding,
    Link,
    Trace,
    assert_chain_ok,
    assert_traceable,
    trace_calibration,
)
from calib_service.traceability.checks import (
    MAX_BASELINE,
    MIN_BASELINE,
    ChartPoint,
    ControlChart,
    blocking_check,
    control_chart,
    list_checks,
    record_check,
)
from calib_service.traceability.due import DueItem, due_list
from calib_service.traceability.files import file_path, read_file, store_file
from calib_service.traceability.impact import Impact, ImpactItem, impact_of, last_good_calibration
from calib_service.traceability.model_views import CertificateRef, StandardRef, is_top
from calib_service.traceability.nonconformity import (
    add_action,
    get_nonconformity,
    list_nonconformities,
    record_nonconformity,
)
from calib_service.traceability.svg import centre_svg, chain_svg, control_chart_svg
from calib_service.traceability.usability import (
    DEFAULT_TZ,
    assert_usable,
    cmc_floor,
    measurement_day,
    own_standards,
)

__all__ = [
    "DEFAULT_TZ",
    "MAX_BASELINE",
    "MIN_BASELINE",
    "CentreEdge",
    "CentreGraph",
    "CentreNode",
    "CertificateRef",
    "ChartPoint",
    "ControlChart",
    "DueItem",
    "Finding",
    "Impact",
    "ImpactItem",
    "Link",
    "StandardRef",
    "Trace",
    "add_action",
    "assert_chain_ok",
    "assert_traceable",
    "assert_usable",
    "blocking_check",
    "centre_graph",
    "centre_svg",
    "chain_svg",
    "cmc_floor",
    "control_chart",
    "control_chart_svg",
    "due_list",
    "file_path",
    "get_nonconformity",
    "impact_of",
    "is_top",
    "last_good_calibration",
    "list_checks",
    "list_nonconformities",
    "measurement_day",
    "own_standards",
    "read_file",
    "record_check",
    "record_nonconformity",
    "store_file",
    "trace_calibration",
]

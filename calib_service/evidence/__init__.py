"""Annual task evidence of the carbon metrology centre: activities, quality records, plans, official
outcomes, metrics computed from the records, the annual report in four formats, the multi-year view and
the acceptance / re-review packs. See ``docs/certificates-evidence.md``.
"""

from __future__ import annotations

from calib_service.evidence.metrics import (
    CHONGQING_TARGETS,
    FAMILY_NAMES,
    METRICS,
    TASK_NAMES,
    AnnualMetrics,
    ChongqingTarget,
    MetricDef,
    compute_metrics,
)
from calib_service.evidence.records import (
    add_activity,
    attach_file,
    list_activities,
    list_quality_records,
    list_targets,
    record_assessment,
    record_quality,
    set_target,
)
from calib_service.evidence.report import (
    FORMATS,
    REVOCATION_THRESHOLD,
    EvidencePack,
    MultiYearView,
    assessment_history,
    build_evidence_report,
    build_pack,
    render_report,
    write_evidence_report,
    write_pack,
)
from calib_service.evidence.seed import (
    DemoPeople,
    PointSpec,
    SeedSummary,
    authorise_technician,
    demo_people,
    record_calibration,
    seed_demo_year,
)

__all__ = [
    "CHONGQING_TARGETS",
    "FAMILY_NAMES",
    "FORMATS",
    "METRICS",
    "REVOCATION_THRESHOLD",
    "TASK_NAMES",
    "AnnualMetrics",
    "ChongqingTarget",
    "DemoPeople",
    "EvidencePack",
    "MetricDef",
    "MultiYearView",
    "PointSpec",
    "SeedSummary",
    "add_activity",
    "assessment_history",
    "attach_file",
    "authorise_technician",
    "build_evidence_report",
    "build_pack",
    "compute_metrics",
    "demo_people",
    "list_activities",
    "list_quality_records",
    "list_targets",
    "record_assessment",
    "record_calibration",
    "record_quality",
    "render_report",
    "seed_demo_year",
    "set_target",
    "write_evidence_report",
    "write_pack",
]

"""The evidence report as JSON: a stable, versioned schema with sorted keys (both languages in one file).

Schema ``calib-service/evidence-report`` version 1. Top-level keys: ``schema``, ``schema_version``,
``year``, ``as_of``, ``centre``, ``tasks``, ``monthly_calibrations``, ``calibrations_total``,
``families``, ``targets``, ``quality``, ``score_sheet``, ``assessments``, ``audit_chain_head``,
``evidence_index``. Texts are ``{"zh": ..., "en": ...}``; dates are ISO 8601; derived figures (progress
percentages, score total, cumulative failed years) are included so a reader needs no code. A change that
removes or renames a key bumps ``schema_version``; adding a key does not.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from calib_service.documents.evidence_data import EvidenceReport, Metric, TargetProgress, check_evidence
from calib_service.documents.i18n import Text

__all__ = ["EVIDENCE_SCHEMA", "EVIDENCE_SCHEMA_VERSION", "evidence_to_dict", "render_evidence_json"]

EVIDENCE_SCHEMA = "calib-service/evidence-report"
EVIDENCE_SCHEMA_VERSION = 1


def _t(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _d(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _metric(m: Metric) -> dict[str, Any]:
    return {
        "key": m.key,
        "name": _t(m.name),
        "value": m.value,
        "unit": _t(m.unit),
        "target": m.target,
        "progress_percent": m.progress,
    }


def _target(t: TargetProgress) -> dict[str, Any]:
    return {
        "key": t.key,
        "name": _t(t.name),
        "achieved": t.achieved,
        "target_2025": t.target_2025,
        "target_2030": t.target_2030,
        "progress_2025_percent": t.progress_2025,
        "progress_2030_percent": t.progress_2030,
    }


def evidence_to_dict(report: EvidenceReport) -> dict[str, Any]:
    """The JSON-ready dictionary of ``report`` (schema version 1).

    Args:
        report: The report.

    Returns:
        A dictionary of plain JSON types.

    Raises:
        EvidenceDataError: The report is inconsistent.
    """
    check_evidence(report)
    c = report.centre
    sheet = report.score_sheet
    return {
        "schema": EVIDENCE_SCHEMA,
        "schema_version": EVIDENCE_SCHEMA_VERSION,
        "year": report.year,
        "as_of": report.as_of.isoformat(),
        "centre": {
            "name": _t(c.name),
            "authorisation_number": c.authorisation_number,
            "standard_certificate_numbers": list(c.standard_certificate_numbers),
        },
        "tasks": [
            {
                "number": t.number,
                "name": _t(t.name),
                "summary": _t(t.summary),
                "metrics": [_metric(m) for m in t.metrics],
            }
            for t in sorted(report.tasks, key=lambda t: t.number)
        ],
        "monthly_calibrations": [
            {"month": i, "count": n} for i, n in enumerate(report.monthly_calibrations, start=1)
        ],
        "calibrations_total": report.calibrations_total,
        "families": [{"key": f.key, "name": _t(f.name), "count": f.count} for f in report.families],
        "targets": [_target(t) for t in report.targets],
        "quality": [
            {
                "category": q.category.value,
                "reference": q.reference,
                "date": q.date.isoformat(),
                "description": _t(q.description),
                "outcome": _t(q.outcome),
                "closed": q.closed,
            }
            for q in report.quality
        ],
        "score_sheet": {
            "title": _t(sheet.title),
            "notice": _t(sheet.notice),
            "scale": sheet.scale,
            "pass_line": sheet.pass_line,
            "total": sheet.total,
            "passed": sheet.passed,
            "items": [
                {
                    "key": i.key,
                    "task": i.task,
                    "name": _t(i.name),
                    "weight": i.weight,
                    "score": i.score,
                    "evidence": i.evidence,
                    "target": i.target,
                }
                for i in sheet.items
            ],
        },
        "assessments": {
            "outcomes": [
                {
                    "year": a.year,
                    "passed": a.passed,
                    "score": a.score,
                    "rectification_deadline": _d(a.rectification_deadline),
                    "note": _t(a.note),
                }
                for a in sorted(report.assessments, key=lambda a: a.year)
            ],
            "cumulative_failed_years": report.cumulative_failed_years,
            "revocation_threshold": report.revocation_threshold,
            "revocation_reached": report.cumulative_failed_years >= report.revocation_threshold,
        },
        "audit_chain_head": report.audit_chain_head,
        "evidence_index": [
            {"name": f.name, "sha256": f.sha256, "description": _t(f.description)}
            for f in report.evidence_index
        ],
    }


def render_evidence_json(report: EvidenceReport) -> bytes:
    """The report as UTF-8 JSON with sorted keys, two-space indent and a final newline.

    Args:
        report: The report.

    Returns:
        The bytes; the same report gives the same bytes.

    Raises:
        EvidenceDataError: The report is inconsistent.
    """
    text = json.dumps(evidence_to_dict(report), sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")

"""Readable summaries of a calibration: the JSON summary, the results table and the Markdown report.

Stored numbers keep full precision; here U is rounded to at most two significant digits and the error
to the same decimal place (JJF 1059.1). Times are stored in UTC and shown in Asia/Shanghai.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from calib_service.models import Calibration
from uncertainty import round_result

__all__ = ["DISPLAY_ZONE", "local_time", "results_table", "summary_of", "write_report"]

DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")

_DECISION_ZH = {"pass": "合格", "fail": "不合格", "undetermined": "待定", None: "—"}
_UNIT_TEXT = {"percent": "%"}


def local_time(t: datetime | None) -> str | None:
    """``t`` (UTC) shown in Asia/Shanghai, e.g. ``2026-12-01 09:30:00 CST``."""
    return None if t is None else t.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M:%S CST")


def summary_of(cal: Calibration, *, rule_text: tuple[str, str]) -> dict[str, Any]:
    """A JSON-ready summary of a calibration with its points (full precision)."""
    points = [
        {
            "point": p.label,
            "state": p.state,
            "reference": p.reference_value,
            "reference_unit": p.reference_unit,
            "indication": p.indication,
            "indication_unit": p.indication_unit,
            "error": p.error,
            "error_rounded": p.parameters.get("error_rounded"),
            "error_unit": p.error_unit,
            "mpe": p.mpe,
            "expanded_uncertainty": p.expanded_uncertainty,
            "coverage_factor": p.coverage_factor,
            "dof_eff": p.dof_eff,
            "decision": p.decision,
            "flags": list(p.flags),
        }
        for p in cal.points
    ]
    return {
        "calibration_id": cal.id,
        "number": cal.number,
        "procedure": cal.procedure.code,
        "procedure_title": {"zh": cal.procedure.title_zh, "en": cal.procedure.title_en},
        "dut": {
            "id": cal.dut.id,
            "serial": cal.dut.serial,
            "description": cal.dut.description,
            "accuracy_class": cal.accuracy_class,
        },
        "status": cal.status,
        "decision": cal.decision,
        "decision_rule": cal.decision_rule,
        "decision_rule_text": {"zh": rule_text[0], "en": rule_text[1]},
        "started_at": None if cal.started_at is None else cal.started_at.isoformat(),
        "finished_at": None if cal.finished_at is None else cal.finished_at.isoformat(),
        "started_at_local": local_time(cal.started_at),
        "environment": [
            {"quantity": e.quantity, "value": e.value, "unit": e.unit, "source": e.source}
            for e in cal.environment
        ],
        "standards": [
            {"equipment_id": s.equipment_id, "certificate_id": s.certificate_id, "role": s.role}
            for s in cal.standards
        ],
        "readings": len(cal.readings),
        "points": points,
    }


def _rounded(point: dict[str, Any]) -> tuple[str, str]:
    return round_result(float(point["error"]), float(point["expanded_uncertainty"]))


def results_table(summary: dict[str, Any]) -> str:
    """The per-point results as an aligned text table (rounded for reading)."""
    header = ("点 Point", "误差 Error", "U (k)", "MPE", "判定 Decision")
    rows = [header]
    for p in summary["points"]:
        unit = _UNIT_TEXT.get(p["error_unit"], " " + p["error_unit"])
        check = not p["coverage_factor"]  # a check judged against its limit (k = 0 stored): no U
        err, u = (f"{float(p['error']):g}", "—") if check else _rounded(p)
        mpe = "—" if p["mpe"] is None else f"±{p['mpe']:g}{unit}"
        decision = p["decision"]
        rows.append(
            (
                p["point"],
                f"{err}{unit}",
                "—" if check else f"{u}{unit} (k={p['coverage_factor']:g})",
                mpe,
                f"{_DECISION_ZH[decision]} {decision or ''}".strip(),
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write_report(summary: dict[str, Any], out_dir: Path) -> None:
    """Write ``summary.json`` and ``report.md`` into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    decision = summary["decision"]
    env = "；".join(f"{e['quantity']} {e['value']:g} {e['unit']}" for e in summary["environment"])
    text = [
        f"# {summary['procedure_title']['zh']} — 检定记录 {summary['number']}",
        "",
        f"*{summary['procedure']} {summary['procedure_title']['en']}*",
        "",
        f"- 被检表 Meter under test: {summary['dut']['description']}, "
        f"编号 serial {summary['dut']['serial']}, 准确度等级 class {summary['dut']['accuracy_class']}",
        f"- 开始时间 Started: {summary['started_at_local']}",
        f"- 环境条件 Conditions: {env}",
        f"- 原始读数 Raw readings stored: {summary['readings']}",
        f"- 判定规则 Decision rule: {summary['decision_rule_text']['zh']}",
        f"  ({summary['decision_rule_text']['en']})",
        f"- 结论 Result: **{_DECISION_ZH[decision]}** ({decision})",
        "",
        "```",
        results_table(summary),
        "```",
        "",
        "误差按化整间距修约后判定；扩展不确定度 U 保留至多两位有效数字，误差修约到同一位。"
        " Errors are judged after rounding to the regulation's interval; U is shown with at most two "
        "significant digits and the error to the same decimal place. Full precision is stored.",
        "",
    ]
    (out_dir / "report.md").write_text("\n".join(text), encoding="utf-8")

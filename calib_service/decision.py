"""Conformity decision rules: JJF 1094-2002 (default), ILAC-G8 simple acceptance and guard band w = U.

Every rule takes the error Δ at a point, the maximum permissible error MPEV (its absolute value) and
U95, the expanded uncertainty of Δ at about 95 %, all in the same unit, and returns ``pass``, ``fail``
or ``undetermined`` (待定).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from calib_service.errors import RecordValidationError

__all__ = [
    "DECISION_RULES",
    "RULE_TEXT",
    "Decision",
    "combine_decisions",
    "decide",
    "round_to_interval",
]

#: Rule codes accepted everywhere (CLI ``--decision-rule``, API, stored on the calibration).
DECISION_RULES: tuple[str, ...] = ("jjf1094", "simple", "guard")

#: How each rule is described on certificates (zh, en): ISO/IEC 17025 7.8.6 asks for rule and risk.
RULE_TEXT: dict[str, tuple[str, str]] = {
    "jjf1094": (
        "按 JJF 1094-2002 判定：U95 ≤ MPEV/3 时 |Δ| ≤ MPEV 为合格；U95 > MPEV/3 时 |Δ| ≤ MPEV − U95 为合格，"
        "|Δ| ≥ MPEV + U95 为不合格，其余为待定。",
        "Decided per JJF 1094-2002: when U95 ≤ MPEV/3, |Δ| ≤ MPEV passes; when U95 > MPEV/3, "
        "|Δ| ≤ MPEV − U95 passes, |Δ| ≥ MPEV + U95 fails, otherwise undetermined.",
    ),
    "simple": (
        "按 ILAC-G8:09/2019 简单接受规则（保护带 w = 0）判定：测得值在允许误差限内为合格；"
        "临界处误判概率可达 50%。",
        "Decided per ILAC-G8:09/2019 simple acceptance (guard band w = 0): within the limit passes; "
        "the probability of false accept can reach 50 % at the limit.",
    ),
    "guard": (
        "按 ILAC-G8:09/2019 保护带规则（w = U）判定：|Δ| ≤ MPEV − U 为合格，|Δ| > MPEV + U 为不合格，"
        "其余为待定；特定误判概率 < 2.5%。",
        "Decided per ILAC-G8:09/2019 with guard band w = U: |Δ| ≤ MPEV − U passes, |Δ| > MPEV + U fails, "
        "otherwise undetermined; specific probability of false accept < 2.5 %.",
    ),
}


@dataclass(frozen=True)
class Decision:
    """Outcome at one point with the numbers it was taken on (stored and printed)."""

    outcome: str
    rule: str
    error: float
    mpe: float
    u95: float
    acceptance_limit: float

    @property
    def tur(self) -> float:
        """Test uncertainty ratio MPEV/U95 (infinite when U95 is 0)."""
        return float("inf") if self.u95 == 0 else self.mpe / self.u95


def round_to_interval(value: float, interval: float | None) -> float:
    """Round ``value`` to a multiple of the rounding interval (化整间距).

    Halves go to the even multiple (GB/T 8170 "四舍六入，逢五取偶"), computed in decimal so that
    binary floating point cannot move a value across a half.

    >>> round_to_interval(0.26, 0.05)
    0.25
    >>> round_to_interval(-0.275, 0.05)
    -0.3
    >>> round_to_interval(0.325, 0.05)
    0.3
    """
    if interval is None or interval == 0:
        return value
    if interval < 0:
        raise RecordValidationError(f"rounding interval must be positive, got {interval}")
    step = Decimal(repr(interval))
    steps = (Decimal(repr(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return float(steps * step)


def decide(error: float, mpe: float, u95: float, rule: str = "jjf1094") -> Decision:
    """Apply a conformity decision rule at one point.

    Args:
        error: the error Δ (already rounded to the regulation's rounding interval where it has one).
        mpe: the maximum permissible error MPEV (absolute value, same unit as ``error``).
        u95: expanded uncertainty of Δ at about 95 % (same unit).
        rule: ``jjf1094``, ``simple`` or ``guard``.

    Returns:
        The decision with its acceptance limit.

    Raises:
        RecordValidationError: unknown rule, negative MPEV or U95.

    >>> decide(0.3, 0.5, 0.2).outcome
    'pass'
    >>> decide(0.4, 0.5, 0.2).outcome
    'undetermined'
    >>> decide(0.45, 0.5, 0.15).outcome
    'pass'
    """
    if rule not in DECISION_RULES:
        raise RecordValidationError(f"unknown decision rule {rule!r}; use one of {', '.join(DECISION_RULES)}")
    if mpe <= 0 or u95 < 0:
        raise RecordValidationError(f"MPEV must be > 0 and U95 ≥ 0, got MPEV={mpe}, U95={u95}")
    size = abs(error)
    eps = 1e-12 * max(1.0, mpe)
    if rule == "simple":
        limit = mpe
        outcome = "pass" if size <= mpe + eps else "fail"
    elif rule == "guard":
        limit = mpe - u95
        if size <= limit + eps:
            outcome = "pass"
        elif size > mpe + u95 + eps:
            outcome = "fail"
        else:
            outcome = "undetermined"
    elif u95 <= mpe / 3 + eps:
        limit = mpe
        outcome = "pass" if size <= mpe + eps else "fail"
    else:
        limit = mpe - u95
        if size <= limit + eps:
            outcome = "pass"
        elif size >= mpe + u95 - eps:
            outcome = "fail"
        else:
            outcome = "undetermined"
    return Decision(outcome=outcome, rule=rule, error=error, mpe=mpe, u95=u95, acceptance_limit=limit)


def combine_decisions(outcomes: list[str | None]) -> str | None:
    """Overall outcome of a record: any fail → fail, else any undetermined → undetermined, else pass.

    Calibrations without limits (all None) have no overall decision.

    >>> combine_decisions(["pass", "undetermined", "pass"])
    'undetermined'
    """
    present = [o for o in outcomes if o is not None]
    if not present:
        return None
    if "fail" in present:
        return "fail"
    if "undetermined" in present:
        return "undetermined"
    return "pass"

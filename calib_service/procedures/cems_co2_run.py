"""Running the CO2 channel of a CEMS (HJ 75-2017 / HJ 76-2017 drift and linearity pattern).

Roles and standards as for ``jjg635_run``: ``analyser`` (the channel: serial, or typed in from the
data acquisition system), ``mfc`` and ``mfc_diluent`` for dilution, ``climate``; standards ``cylinder``
(certified value in its specs) and optionally ``zero_gas``. Points: zero, low, mid and high reference
gases (fractions of the range of ``cems_co2.TEST_POINTS``), then response time and the 24 h zero and
span drift, waited on the run clock. Limits come from the profile (``HJ75`` default, ``HJ76``; the CO2
limits are configurable data marked unverified).

Parameters: ``span`` (ppm), ``profile`` (0 = HJ75, 1 = HJ76), ``resolution`` (ppm, 1), and the timing and
flow parameters of ``jjg635_run`` (T90 series: ``t90_window_s`` 240, ``sample_s`` 5).
"""

from __future__ import annotations

from calib_service.procedures import cems_co2
from calib_service.procedures.analyser import Dilution
from calib_service.procedures.common import PointResult
from calib_service.procedures.jjg635_run import analyser_points, drift, response_series
from calib_service.procedures.run_support import Station

__all__ = ["REQUIRED_ROLES", "run"]

REQUIRED_ROLES: tuple[str, ...] = ("analyser",)


def run(st: Station) -> None:
    """Measure and store the indication error, T90 and 24 h drift of the CEMS CO2 channel.

    Args:
        st: The station.
    """
    s = st.setup
    span = s.rating("span")
    res = s.rating("resolution", 1.0)
    profile = "HJ76" if s.rating("profile", 0.0) >= 1 else "HJ75"
    relative = cems_co2.PROFILES[profile].indication_error.unit == "%"

    def evaluate(label: str, ref: Dilution, values: list[float], cmc: float | None) -> PointResult:
        floor = None
        if cmc is not None and ref.value > 0:
            floor = cmc / ref.value * 100.0 if relative else cmc / span * 100.0
        return cems_co2.evaluate_point(
            point=label,
            reference=ref,
            readings=values,
            unit="ppm",
            span=span,
            profile=profile,
            dut_resolution=res,
            cmc=floor,
            decision_rule=s.decision_rule,
        )

    seq = analyser_points(st, cems_co2.TEST_POINTS, evaluate, span)
    if not st.done(seq + 1, "response_time"):
        st.store_check(
            seq + 1,
            cems_co2.check_response_time(
                response_series(st, seq + 1, window_s=240.0, sample_s=5.0), profile=profile
            ),
        )
    done = st.ctx.stored_points()
    if (s.state, seq + 2) in done and (s.state, seq + 3) in done:
        return
    measured = drift(st, seq + 2, span)
    if measured is None:
        return
    v, hours = measured
    zero, sp = cems_co2.check_drift(
        span=span,
        zero_start=v["zero_start"],
        zero_end=v["zero_end"],
        span_start=v["span_start"],
        span_end=v["span_end"],
        elapsed_hours=hours,
        profile=profile,
    )
    for offset, check in ((2, zero), (3, sp)):
        if not st.done(seq + offset, check.name):
            st.store_check(seq + offset, check, elapsed_hours=hours, profile=profile)

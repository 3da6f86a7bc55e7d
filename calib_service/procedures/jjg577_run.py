"""Running JJG 577 on a bell-prover bench for diaphragm gas meters.

Roles: ``dut`` (CJ/T 188 gas register, or its test drum typed in), ``reference`` (the bell prover: its
scale has no serial line, the volume is typed in and recorded with the technician), ``barometer``,
``gauges`` and ``thermometers`` (typed in unless on a serial line), ``climate``. Standards: ``reference``
(the prover's certificate U in % and the CMC of the gas-meter standard).

At each flow (qmin, qt = 0.1 qmax, qmax) ``runs`` runs: register read, the prover delivers the test
volume through the meter at the test flow, register read again, then the prover volume, the barometric
pressure, the gauge pressures at prover and meter and the gas temperatures at both are typed in. A run
whose readings are all stored is reused after a crash; an incomplete one is repeated.

Parameters: ``qmin``, ``qmax`` (m³/h), ``test_volume_l`` (2000), ``runs`` (2), ``resolution_l``
(register scale interval, 10), ``pooled_sd_percent`` (0.1), ``barometer_u_kpa`` (0.05),
``gauge_u_kpa`` (0.01), ``thermometer_u_c`` (0.1), all U at k = 2.
"""

from __future__ import annotations

from calib_service.procedures import jjg577
from calib_service.procedures.run_support import Station, Take, bench_run

__all__ = ["REQUIRED_ROLES", "run"]

REQUIRED_ROLES: tuple[str, ...] = ("dut", "reference")

_START = Take("meter_start", "dut", "L", "meter register at start, L", lambda d: d.read_volume())
_AFTER = (
    Take("meter_end", "dut", "L", "meter register at end, L", lambda d: d.read_volume()),
    Take("prover_volume", "reference", "L", "bell-prover volume delivered, L"),
    Take("barometric", "barometer", "kPa", "barometric pressure, kPa"),
    Take("prover_gauge", "gauges", "kPa", "gauge pressure in the prover, kPa"),
    Take("meter_gauge", "gauges", "kPa", "gauge pressure at the meter, kPa"),
    Take("prover_temperature", "thermometers", "degC", "gas temperature in the prover, °C"),
    Take("meter_temperature", "thermometers", "degC", "gas temperature at the meter, °C"),
)


def _one_run(st: Station, seq: int, r: int, flow: float, volume_l: float) -> jjg577.GasRun:
    v = bench_run(
        st,
        seq,
        r,
        before=[_START],
        after=_AFTER,
        instruction=f"let the bell deliver {volume_l:g} L through the meter at {flow:.4g} m³/h",
        flow=flow,
        volume_l=volume_l,
    )
    return jjg577.GasRun(*v)


def run(st: Station) -> None:
    """Measure and store every test flow of the gas meter.

    Args:
        st: The station.
    """
    s = st.setup
    cls = s.accuracy_class or "1.5"
    qmin, qmax = s.rating("qmin"), s.rating("qmax")
    volume_l = s.rating("test_volume_l", 2000.0)
    runs = int(s.rating("runs", 2))
    prover = s.standard("reference")
    for seq, fp in enumerate(jjg577.flow_points(qmin, qmax), start=1):
        if st.done(seq, fp.label):
            continue
        flow = fp.nominal
        taken = [_one_run(st, seq, r, flow, volume_l) for r in range(1, runs + 1)]
        result = jjg577.evaluate_point(
            point=fp.label,
            flow=flow,
            qmin=qmin,
            qmax=qmax,
            runs=taken,
            accuracy_class=cls,
            dut_resolution_l=s.rating("resolution_l", 10.0),
            reference_u_percent=prover.u_in("%", of=volume_l),
            reference_k=prover.k,
            reference_resolution_l=prover.spec_value("resolution", "L", 0.1),
            barometer_u_kpa=s.rating("barometer_u_kpa", 0.05),
            gauge_u_kpa=s.rating("gauge_u_kpa", 0.01),
            thermometer_u_c=s.rating("thermometer_u_c", 0.1),
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.1),
            cmc_percent=prover.cmc_in("%"),
            decision_rule=s.decision_rule,
        )
        st.store(seq, result, flow_m3_h=flow, runs=runs, test_volume_l=volume_l)

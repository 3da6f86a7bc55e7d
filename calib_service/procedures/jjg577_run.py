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

Then the checks (no budget, judged against their limit): the pressure loss across the meter with air at
qmax (typed in from the differential gauge, Pa; ``pressure_loss`` 0 skips it), and, when the marked
cyclic volume is known (``cyclic_volume_l``, a device rating), the volume of ``cycles`` (10) whole
cycles of the measuring element (typed in, at the meter's conditions) against it.
"""

from __future__ import annotations

from calib_service.procedures import jjg577
from calib_service.procedures.run_support import Station, Take, bench_run

__all__ = ["CYCLIC_SEQ", "PRESSURE_LOSS_SEQ", "REQUIRED_ROLES", "run"]

REQUIRED_ROLES: tuple[str, ...] = ("dut", "reference")
#: Point numbers of the checks after the three flow points.
PRESSURE_LOSS_SEQ, CYCLIC_SEQ = 4, 5

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
    # checks at fixed point numbers (4: pressure loss, 5: cyclic volume), so a resume finds them
    if s.rating("pressure_loss", 1.0) and not st.done(PRESSURE_LOSS_SEQ, "pressure_loss"):
        have = st.stored(PRESSURE_LOSS_SEQ, "pressure_loss", "Pa")
        if not have:
            st.act(
                "pressure_loss",
                f"[{PRESSURE_LOSS_SEQ}] pressure loss: pass air at qmax = {qmax:g} m³/h through the meter",
                point=PRESSURE_LOSS_SEQ,
                flow=qmax,
            )
        loss = (
            have[-1]
            if have
            else st.take(
                role="gauges",
                quantity="pressure_loss",
                unit="Pa",
                seq=PRESSURE_LOSS_SEQ,
                prompt="differential pressure across the meter at qmax, Pa",
            )
        )
        st.store_check(PRESSURE_LOSS_SEQ, jjg577.check_pressure_loss(qmax, loss), flow_m3_h=qmax)
    if "cyclic_volume_l" not in s.ratings:
        st.say(f"[{CYCLIC_SEQ}] cyclic volume: no marked V (--param cyclic_volume_l=V), not tested")
    elif not st.done(CYCLIC_SEQ, "cyclic_volume"):
        cycles = int(s.rating("cycles", 10))
        have = st.stored(CYCLIC_SEQ, "cyclic_test_volume", "L")
        if not have:
            st.act(
                "cycles",
                f"[{CYCLIC_SEQ}] cyclic volume: pass {cycles} whole cycles of the measuring element",
                point=CYCLIC_SEQ,
                cycles=cycles,
            )
        measured = (
            have[-1]
            if have
            else st.take(
                role="reference",
                quantity="cyclic_test_volume",
                unit="L",
                seq=CYCLIC_SEQ,
                prompt=f"volume for {cycles} cycles at the meter's conditions, L",
            )
        )
        marked = float(s.ratings["cyclic_volume_l"])
        check = jjg577.check_cyclic_volume(marked, measured, cycles)
        st.store_check(CYCLIC_SEQ, check, cycles=cycles, marked_l=marked)

"""Running JJG 162-2019 on a water-meter bench: gravimetric or standard-meter method, standing start/stop.

Roles: ``dut`` (CJ/T 188 register, or typed in), ``balance`` (MT-SICS, or typed in), ``thermometer``
(water temperature, typed in unless a serial thermometer is on the bench), ``climate`` (the environment
recorded for the calibration). Standards: ``balance`` (its certificate U and the CMC of the water-meter
standard), optionally ``thermometer``.

At each test flow (Q1, Q2, Q3) the procedure makes ``runs`` runs. One run: the technician empties the
weighing tank, the balance is zeroed, the meter register is read, the technician runs the test volume
into the tank at the test flow and closes the valve, the register is read again, the balance weighed
and the water temperature read. Every reading is committed at once; after a crash a run whose readings
are all stored is reused and an incomplete run is repeated.

With a ``reference`` role instead of a balance the standard-meter method is used: the reference
meter's totaliser (generic Modbus driver, register map ``volume`` in m³ and ``temperature`` in °C, or
typed in from its display) is read before and after each run; standard ``reference`` (its certificate U
in %, the CMC of the standard).

Parameters (device ratings and bench data, ``--param NAME=VALUE``): ``q3`` (m³/h), ``ratio`` (R),
``test_volume_l`` (default 2500), ``runs`` (2), ``resolution_l`` (register scale interval, 10),
``pooled_sd_percent`` (the bench's repeatability of one run, 0.05), ``air_density_u`` (0.002 kg/m³).
"""

from __future__ import annotations

from typing import Any

from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg162, water
from calib_service.procedures.run_support import Station, Take, bench_run

__all__ = ["REQUIRED_ROLES", "run"]

REQUIRED_ROLES: tuple[str, ...] = ("dut",)


def _air_density(st: Station) -> float:
    c = st.setup.conditions
    return water.air_density(
        c.get("atmospheric_pressure", 101.325) * 10.0,  # kPa → hPa
        c.get("relative_humidity", 50.0),
        c.get("ambient_temperature", 20.0),
    )


_METER_START = Take("meter_start", "dut", "L", "meter register at start, L", lambda d: d.read_volume())
_METER_END = Take("meter_end", "dut", "L", "meter register at end, L", lambda d: d.read_volume())
_WATER_TEMPERATURE = Take("water_temperature", "thermometer", "degC", "water temperature at the meter, °C")


def _pass(flow: float, volume_l: float) -> str:
    return f"open the valve at {flow:.4g} m³/h, pass {volume_l:g} L, close the valve"


def _one_run(st: Station, seq: int, r: int, flow: float, volume_l: float) -> jjg162.GravimetricRun:
    def prepare() -> None:
        st.act("empty_tank", f"[{seq}] run {r}: empty the weighing tank", point=seq, run=r)
        if st.has("balance"):
            st.instruments["balance"].zero()

    balance = Take("balance_net", "balance", "kg", "balance net reading, kg", lambda b: b.weight())
    start, end, mass, t_w = bench_run(
        st,
        seq,
        r,
        before=[_METER_START],
        after=[_METER_END, balance, _WATER_TEMPERATURE],
        instruction=_pass(flow, volume_l),
        flow=flow,
        volume_l=volume_l,
        prepare=prepare,
    )
    return jjg162.GravimetricRun(start, end, mass, t_w)


def _reference_run(st: Station, seq: int, r: int, flow: float, volume_l: float) -> jjg162.StandardMeterRun:
    volume = lambda d: d.read("volume")  # noqa: E731  (Modbus register map: totaliser, m³)
    ref_start, meter_start, ref_end, meter_end, ref_t, water_t = bench_run(
        st,
        seq,
        r,
        before=[
            Take("reference_start", "reference", "L", "reference meter totaliser at start, L", volume),
            _METER_START,
        ],
        after=[
            Take("reference_end", "reference", "L", "reference meter totaliser at end, L", volume),
            _METER_END,
            Take(
                "reference_temperature",
                "reference",
                "degC",
                "water temperature at the reference, °C",
                lambda d: d.read("temperature"),
            ),
            _WATER_TEMPERATURE,
        ],
        instruction=_pass(flow, volume_l),
        flow=flow,
        volume_l=volume_l,
    )
    return jjg162.StandardMeterRun(ref_end - ref_start, meter_start, meter_end, ref_t, water_t)


def run(st: Station) -> None:
    """Measure and store every test flow of the meter (gravimetric with a balance, else standard meter).

    Args:
        st: The station.

    Raises:
        RecordValidationError: the bench has neither a balance nor a reference meter.
    """
    if "balance" in st.instruments:
        _gravimetric(st)
    elif "reference" in st.instruments:
        _standard_meter(st)
    else:
        raise RecordValidationError(
            f"{jjg162.CODE}: the bench needs a balance (gravimetric method) or a reference meter "
            "(standard-meter method)"
        )


def _standard_meter(st: Station) -> None:
    s = st.setup
    cls = s.accuracy_class or "2"
    q3, ratio = s.rating("q3"), s.rating("ratio")
    volume_l = s.rating("test_volume_l", 2500.0)
    runs = int(s.rating("runs", 2))
    reference = s.standard("reference")
    therm = s.standards.get("thermometer")
    points = jjg162.flow_points(q3, ratio)
    q1, q2 = points[0].nominal, points[1].nominal
    for seq, fp in enumerate(points, start=1):
        if st.done(seq, fp.label):
            continue
        flow = (fp.low + fp.high) / 2.0
        taken = [_reference_run(st, seq, r, flow, volume_l) for r in range(1, runs + 1)]
        result = jjg162.evaluate_standard_meter(
            point=fp.label,
            flow=flow,
            q1=q1,
            q2=q2,
            runs=taken,
            accuracy_class=cls,
            dut_resolution_l=s.rating("resolution_l", 10.0),
            reference_u_percent=reference.u_in("%", of=volume_l),
            reference_k=reference.k,
            reference_resolution_l=reference.spec_value("resolution", "L", 0.001),
            thermometer_u_c=0.2 if therm is None else therm.u_in("K"),
            thermometer_k=2.0 if therm is None else therm.k,
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.05),
            cmc_percent=reference.cmc_in("%"),
            decision_rule=s.decision_rule,
            flow_range=(fp.low, fp.high),
        )
        st.store(seq, result, method="standard meter", flow_m3_h=flow, runs=runs, test_volume_l=volume_l)


def _gravimetric(st: Station) -> None:
    s = st.setup
    cls = s.accuracy_class or "2"
    q3, ratio = s.rating("q3"), s.rating("ratio")
    volume_l = s.rating("test_volume_l", 2500.0)
    runs = int(s.rating("runs", 2))
    balance = s.standard("balance")
    therm = s.standards.get("thermometer")
    therm_u = 0.2 if therm is None else therm.u_in("K")
    therm_k = 2.0 if therm is None else therm.k
    rho_a = _air_density(st)
    points = jjg162.flow_points(q3, ratio)
    q1, q2 = points[0].nominal, points[1].nominal
    for seq, fp in enumerate(points, start=1):
        if st.done(seq, fp.label):
            continue
        flow = (fp.low + fp.high) / 2.0
        taken = [_one_run(st, seq, r, flow, volume_l) for r in range(1, runs + 1)]
        extra: dict[str, Any] = {}
        result = jjg162.evaluate_gravimetric(
            point=fp.label,
            flow=flow,
            q1=q1,
            q2=q2,
            runs=taken,
            accuracy_class=cls,
            dut_resolution_l=s.rating("resolution_l", 10.0),
            balance_u_kg=balance.u_in("kg", of=volume_l),
            balance_k=balance.k,
            balance_resolution_kg=balance.spec_value("resolution", "kg", 0.02),
            air_density_kg_m3=rho_a,
            air_density_u=s.rating("air_density_u", 0.002),
            thermometer_u_c=therm_u,
            thermometer_k=therm_k,
            pooled_sd_percent=s.rating("pooled_sd_percent", 0.05),
            cmc_percent=balance.cmc_in("%"),
            decision_rule=s.decision_rule,
            flow_range=(fp.low, fp.high),
        )
        if therm is None:
            extra["note"] = (
                "water thermometer U taken as 0.2 °C (k = 2): no thermometer standard on the bench"
            )
        st.store(
            seq, result, method="gravimetric", flow_m3_h=flow, runs=runs, test_volume_l=volume_l, **extra
        )

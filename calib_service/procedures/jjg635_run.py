"""Running JJG 635-2011 on an NDIR CO2 analyser with certified cylinders and a dilution pair of MFCs.

Roles: ``analyser`` (serial, or typed in from its display), ``mfc`` (cylinder-gas mass-flow
controller) and ``mfc_diluent`` (zero-gas MFC) for dilution, ``climate``. Standards: ``cylinder`` (the
certified cylinder: a reference material whose specs carry ``certified_value``; its certificate U and
the CMC of the gas standard), optionally ``zero_gas``.

Points: zero gas, mid (the cylinder diluted through the MFCs to half the range) and span (the undiluted
cylinder near 90 % of the range). At each point the gas flows for ``settle_s`` on the run clock, then
``readings`` readings are taken (each committed at once; after a crash the missing readings are taken
after settling again). Then: repeatability (``repeat`` readings of the span gas), response time T90
from the series after a zero → span switch, and zero and span drift over ``drift_hours`` (the run waits
on its clock; 0 skips the drift test).

Interference (only when the bench's ``standards`` name interferent cylinders, roles
``interferent_<GAS>``: ``interferent_CO``, ``interferent_H2O`` for a humidified zero gas whose certified
value is the water amount fraction ...): one check point per gas, in the order of the gas names. For each
gas the zero gas flows for ``settle_s`` and ``readings`` readings are taken, then the interferent cylinder
(``gas=interferent`` with ``species`` and its certified value, in its own unit) for ``settle_s`` and
``readings`` readings; ``jjg635.check_interference`` judges the difference. The zero and interferent
readings of one gas only make sense together: after a crash they are reused when all are stored, else
taken again (the abandoned ones stay in the record, unused).

Parameters: ``span`` (range of the analyser, ppm), ``resolution`` (ppm, 1), ``settle_s`` (200),
``readings`` (3), ``reading_interval_s`` (10), ``repeat`` (6), ``t90_window_s`` (150), ``sample_s`` (3),
``drift_hours`` (24),
``total_flow`` (SLPM, 1.0), ``mfc_accuracy_percent`` (0.5), ``zero_gas_u`` (ppm, 0.5).

Standards (``STANDARD_ROLES``, checked by :func:`check_standards` before anything is stored):
``cylinder``, ``zero_gas``, ``interferent_<GAS>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from calib_service.benches import Bench
from calib_service.errors import RecordValidationError
from calib_service.procedures import jjg635
from calib_service.procedures.analyser import Dilution
from calib_service.procedures.common import CheckResult, PointResult
from calib_service.procedures.run_support import StandardOnDay, Station
from instruments.drivers.base import Reading

__all__ = [
    "INTERFERENT",
    "REQUIRED_ROLES",
    "STANDARD_ROLES",
    "analyser_points",
    "check_standards",
    "drift",
    "interference",
    "interferents",
    "response_series",
    "run",
]

REQUIRED_ROLES: tuple[str, ...] = ("analyser",)

#: Prefix of the standards roles of the interferent cylinders (``interferent_CO``).
INTERFERENT = "interferent_"
#: The roles the bench's ``standards`` may name, with what they are.
STANDARD_ROLES: dict[str, str] = {
    "cylinder": "certified CO2 cylinder (reference material, specs certified_value)",
    "zero_gas": "zero gas with its certificate (impurity U), optional",
    f"{INTERFERENT}<GAS>": (
        "interferent cylinder of gas GAS (a formula: CO, H2O, CH4 ...; certified_value in its own unit), "
        "optional: one interference check per gas"
    ),
}
_FORMULA = re.compile(r"[A-Za-z][A-Za-z0-9]*")

Evaluate = Callable[[str, Dilution, list[float], float | None], PointResult]


def _dilution_for(st: Station, seq: int, target: float) -> Dilution:
    """The reference gas for ``target`` ppm: zero gas, the cylinder, or the cylinder diluted."""
    s = st.setup
    if target <= 0.0:
        zero = s.standards.get("zero_gas")
        u = s.rating("zero_gas_u", 0.5) if zero is None else zero.u_in("ppm")
        return Dilution(0.0, u, 2.0 if zero is None else zero.k)
    cyl = s.standard("cylinder")
    c = cyl.certified_value("ppm")
    u = cyl.u_in("ppm", of=c)
    if abs(target - c) <= 0.15 * c:
        return Dilution(c, u, cyl.k)
    if target > c or not (st.has("mfc") and st.has("mfc_diluent")):
        if target > c:
            raise RecordValidationError(
                f"{s.procedure}: point {target:g} ppm is above the cylinder's {c:g} ppm; "
                "use a richer cylinder"
            )
        raise RecordValidationError(
            f"{s.procedure}: point {target:g} ppm needs the cylinder ({c:g} ppm) diluted; put the MFCs in "
            "roles mfc and mfc_diluent on the bench"
        )
    total = s.rating("total_flow", 1.0)
    q_g = total * target / c
    stored = st.group(seq, {"gas_flow": "L/min", "diluent_flow": "L/min"})
    if stored is None:
        st.instruments["mfc"].set_flow(q_g)
        st.instruments["mfc_diluent"].set_flow(total - q_g)
        st.ctx.clock.sleep(s.rating("mfc_settle_s", 10.0))
        g = st.take(role="mfc", quantity="gas_flow", unit="L/min", seq=seq, read=lambda m: m.read_flow())
        d = st.take(
            role="mfc_diluent", quantity="diluent_flow", unit="L/min", seq=seq, read=lambda m: m.read_flow()
        )
    else:
        g, d = stored["gas_flow"], stored["diluent_flow"]
    return Dilution(
        c, u, cyl.k, gas_flow=g, diluent_flow=d, mfc_accuracy_percent=s.rating("mfc_accuracy_percent", 0.5)
    )


def _apply(st: Station, seq: int | None, ref: Dilution, label: str) -> None:
    kind = "zero" if ref.cylinder == 0 else ("dilution" if ref.diluted else "cylinder")
    st.act(
        "gas",
        f"[{seq}] {label}: connect the {kind} gas ({ref.value:.6g} ppm nominal)",
        point=seq,
        gas=kind,
        cylinder=ref.cylinder,
        gas_flow=ref.gas_flow,
        diluent_flow=ref.diluent_flow,
    )
    st.ctx.clock.sleep(st.setup.rating("settle_s", 200.0))


def _read_analyser(st: Station, seq: int, quantity: str) -> float:
    return st.take(
        role="analyser",
        quantity=quantity,
        unit="ppm",
        seq=seq,
        read=lambda a: a.read(),
        prompt="analyser display, ppm",
    )


def _readings(st: Station, seq: int, quantity: str, n: int, ref: Dilution, label: str) -> list[float]:
    have = st.stored(seq, quantity, "ppm")
    if len(have) < n:
        _apply(st, seq, ref, label)
        for _ in range(n - len(have)):
            have.append(_read_analyser(st, seq, quantity))
            st.ctx.clock.sleep(st.setup.rating("reading_interval_s", 10.0))
    return have[-n:]


def analyser_points(
    st: Station, points: tuple[tuple[str, float], ...], evaluate: Evaluate, span: float
) -> int:
    """Measure and store the indication-error points; returns the last point number used.

    Args:
        st: The station.
        points: (label, fraction of the range).
        evaluate: ``evaluate(label, reference, readings, cmc)`` → point result.
        span: Range, ppm.
    """
    n = int(st.setup.rating("readings", 3))
    seq = 0
    for seq, (label, fraction) in enumerate(points, start=1):
        if st.done(seq, label):
            continue
        ref = _dilution_for(st, seq, fraction * span)
        values = _readings(st, seq, "analyser", n, ref, label)
        cyl = st.setup.standards.get("cylinder")
        cmc = None if cyl is None or ref.value <= 0 else cyl.cmc_in("ppm", of=ref.value)
        result = evaluate(label, ref, values, cmc)
        st.store(seq, result, reference_gas=ref.value, diluted=ref.diluted)
    return seq


def response_series(
    st: Station, seq: int, *, window_s: float = 150.0, sample_s: float = 3.0
) -> list[tuple[float, float]]:
    """The (t, reading) series after switching from zero gas to the cylinder (reused when complete).

    Args:
        st: The station.
        seq: Point number of the check.
        window_s: Default length of the series (``t90_window_s``), s.
        sample_s: Default sampling interval (``sample_s``), s.

    Returns:
        (elapsed s, reading) pairs.
    """
    s = st.setup
    window, dt = s.rating("t90_window_s", window_s), s.rating("sample_s", sample_s)
    n = int(window / dt)
    ts, ys = st.stored(seq, "response_t", "s"), st.stored(seq, "response", "ppm")
    if len(ts) >= n and len(ys) >= n:
        return list(zip(ts[-n:], ys[-n:], strict=True))
    _apply(st, seq, _dilution_for(st, seq, 0.0), "T90: zero gas")
    cyl = s.standard("cylinder")
    c = cyl.certified_value("ppm")
    st.act(
        "gas",
        f"[{seq}] T90: switch to the cylinder gas now",
        point=seq,
        gas="cylinder",
        cylinder=c,
        gas_flow=None,
        diluent_flow=None,
    )
    clock = st.ctx.clock
    t0 = clock.now()
    series = []
    for _ in range(n):
        t = clock.now() - t0
        y = _read_analyser(st, seq, "response")
        st.ctx.record(
            Reading("response_t", t, "s", st.ctx.wall(), (), "run clock"), point_seq=seq, state=s.state
        )
        series.append((t, y))
        clock.sleep(dt)
    return series


def drift(st: Station, seq: int, span: float) -> tuple[dict[str, float], float] | None:
    """Zero and span readings at the start and after ``drift_hours`` (None when skipped)."""
    s = st.setup
    hours = s.rating("drift_hours", 24.0)
    if hours <= 0:
        return None
    names = ["zero_start", "span_start", "zero_end", "span_end"]
    kept = st.group(seq, dict.fromkeys(names, "ppm"))
    if kept is None:
        zero = _dilution_for(st, seq, 0.0)
        cyl = s.standard("cylinder")
        full = Dilution(cyl.certified_value("ppm"), cyl.u_in("ppm", of=cyl.certified_value("ppm")), cyl.k)
        start = st.group(seq, dict.fromkeys(names[:2], "ppm"))
        if start is None:
            _apply(st, seq, zero, "drift: zero at start")
            z0 = _read_analyser(st, seq, "zero_start")
            _apply(st, seq, full, "drift: span at start")
            s0 = _read_analyser(st, seq, "span_start")
        else:
            z0, s0 = start["zero_start"], start["span_start"]
        st.say(f"[{seq}] drift: waiting {hours:g} h on the run clock")
        st.act("wait", f"[{seq}] drift: leave the analyser running for {hours:g} h", point=seq, hours=hours)
        st.ctx.clock.sleep(hours * 3600.0)
        _apply(st, seq, zero, "drift: zero at end")
        z1 = _read_analyser(st, seq, "zero_end")
        _apply(st, seq, full, "drift: span at end")
        s1 = _read_analyser(st, seq, "span_end")
        kept = dict(zip(names, (z0, s0, z1, s1), strict=True))
    return kept, hours


def _store_checks(st: Station, seq: int, checks: list[CheckResult], **parameters: Any) -> int:
    for check in checks:
        seq += 1
        if not st.done(seq, check.name):
            st.store_check(seq, check, **parameters)
    return seq


def run(st: Station) -> None:
    """Measure and store the indication error, repeatability, T90, drift and interference of the analyser.

    Args:
        st: The station.
    """
    s = st.setup
    cls = s.accuracy_class or "2"
    span = s.rating("span")
    res = s.rating("resolution", 1.0)

    def evaluate(label: str, ref: Dilution, values: list[float], cmc: float | None) -> PointResult:
        return jjg635.evaluate_point(
            point=label,
            reference=ref,
            readings=values,
            unit="ppm",
            span=span,
            accuracy_class=cls,
            dut_resolution=res,
            cmc_percent_fs=None if cmc is None else cmc / span * 100.0,
            decision_rule=s.decision_rule,
        )

    seq = analyser_points(st, jjg635.TEST_POINTS, evaluate, span)
    # scalar checks: seq + 1 repeatability, + 2 T90, + 3/4 drift
    if not st.done(seq + 1, "repeatability"):
        cyl = s.standard("cylinder")
        c = cyl.certified_value("ppm")
        ref = Dilution(c, cyl.u_in("ppm", of=c), cyl.k)
        values = _readings(st, seq + 1, "repeat", int(s.rating("repeat", 6)), ref, "repeatability")
        st.store_check(seq + 1, jjg635.check_repeatability(cls, values))
    if not st.done(seq + 2, "response_time"):
        st.store_check(seq + 2, jjg635.check_response_time(cls, response_series(st, seq + 2)))
    done = st.ctx.stored_points()
    if (s.state, seq + 3) not in done or (s.state, seq + 4) not in done:
        measured = drift(st, seq + 3, span)
        if measured is not None:
            v, hours = measured
            checks = jjg635.check_drift(
                accuracy_class=cls,
                span=span,
                zero_start=v["zero_start"],
                zero_end=v["zero_end"],
                span_start=v["span_start"],
                span_end=v["span_end"],
                elapsed_hours=hours,
            )
            _store_checks(st, seq + 2, list(checks), elapsed_hours=hours)
    # seq + 5 ...: one interference check per interferent cylinder (none without them)
    interference(st, seq + 5, cls, span)


def _gas_of(role: str, source: str) -> str:
    gas = role[len(INTERFERENT) :]
    if not _FORMULA.fullmatch(gas):
        raise RecordValidationError(
            f"{source}: standards role {role!r}: the gas after {INTERFERENT!r} must be a formula such as CO, "
            "H2O or CH4 (a letter, then letters and digits)"
        )
    if gas.upper() == "CO2":
        raise RecordValidationError(
            f"{source}: standards role {role!r}: CO2 is the gas the analyser measures, not an interferent; "
            "its cylinder goes in role 'cylinder'"
        )
    return gas


def check_standards(bench: Bench) -> None:
    """Check the roles of the bench's ``standards`` against :data:`STANDARD_ROLES`.

    Args:
        bench: The bench.

    Raises:
        RecordValidationError: a role JJG 635 does not use (a misspelt one), or an interferent role whose
            gas is not a formula or is CO2.
    """
    for role in bench.standards:
        if role.startswith(INTERFERENT):
            _gas_of(role, bench.source)
        elif role not in STANDARD_ROLES:
            raise RecordValidationError(
                f"{bench.source}: standards role {role!r} is not used by {jjg635.CODE}; its standards roles "
                f"are {', '.join(STANDARD_ROLES)} (e.g. {INTERFERENT}CO)"
            )


def interferents(
    standards: Mapping[str, StandardOnDay], source: str = "bench"
) -> list[tuple[str, StandardOnDay]]:
    """(gas, interferent cylinder) of the standards in roles ``interferent_<GAS>``, ordered by gas.

    Args:
        standards: The standards of the day by role.
        source: Where they come from (for messages).

    Returns:
        One pair per interferent; empty without interferent standards.
    """
    found = [(_gas_of(role, source), std) for role, std in standards.items() if role.startswith(INTERFERENT)]
    return sorted(found, key=lambda pair: pair[0])


def _certified(std: StandardOnDay) -> tuple[float, str]:
    """The certified value of an interferent cylinder in its own unit."""
    raw = std.specs.get("certified_value")
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != 2:
        raise RecordValidationError(
            f"interferent standard {std.serial} ({std.role}) has no certified value; register it with "
            "specs certified_value: [value, unit]"
        )
    return float(raw[0]), str(raw[1])


def _interference_readings(
    st: Station, seq: int, gas: str, std: StandardOnDay, n: int
) -> tuple[list[float], list[float]]:
    """Zero-gas then interferent readings at ``seq`` (reused when all are stored, else all taken again)."""
    zeros, withs = [f"zero.{i}" for i in range(1, n + 1)], [f"interferent.{i}" for i in range(1, n + 1)]
    kept = st.group(seq, dict.fromkeys([*zeros, *withs], "ppm"))
    if kept is not None:
        st.say(f"[{seq}] interference {gas}: readings already stored, reused")
        return [kept[q] for q in zeros], [kept[q] for q in withs]
    value, unit = _certified(std)
    interval = st.setup.rating("reading_interval_s", 10.0)
    _apply(st, seq, _dilution_for(st, seq, 0.0), f"interference {gas}: zero gas")
    z = []
    for q in zeros:
        z.append(_read_analyser(st, seq, q))
        st.ctx.clock.sleep(interval)
    st.act(
        "gas",
        f"[{seq}] interference {gas}: connect the interferent cylinder {std.serial} ({gas} {value:g} {unit}, "
        "no CO2) in place of the zero gas",
        point=seq,
        gas="interferent",
        species=gas,
        cylinder=value,
        unit=unit,
        serial=std.serial,
        gas_flow=None,
        diluent_flow=None,
    )
    st.ctx.clock.sleep(st.setup.rating("settle_s", 200.0))
    x = []
    for q in withs:
        x.append(_read_analyser(st, seq, q))
        st.ctx.clock.sleep(interval)
    return z, x


def interference(st: Station, first_seq: int, accuracy_class: str, span: float) -> int:
    """Measure and store one interference check per interferent cylinder; returns the last point number.

    Args:
        st: The station.
        first_seq: Point number of the first gas (the next gases follow).
        accuracy_class: The class.
        span: Range, ppm.

    Returns:
        The last point number used (``first_seq - 1`` without interferents).

    Raises:
        RecordValidationError: on resume, a stored point at one of these numbers is another gas's (the
            bench's interferents changed since the run was interrupted).
    """
    gases = interferents(st.setup.standards)
    n = int(st.setup.rating("readings", 3))
    stored = st.ctx.stored_points()
    seq = first_seq - 1
    for seq, (gas, std) in enumerate(gases, start=first_seq):
        label = f"interference_{gas}"
        point = stored.get((st.setup.state, seq))
        if point is not None and point.label != label:
            raise RecordValidationError(
                f"{jjg635.CODE}: point {seq} of this record is {point.label!r}, the bench now puts "
                f"{label!r} there; resume with the interferent standards of the interrupted run"
            )
        if st.done(seq, label):
            continue
        zero, with_gas = _interference_readings(st, seq, gas, std, n)
        check = jjg635.check_interference(accuracy_class, gas, zero, with_gas, span)
        value, unit = _certified(std)
        st.store_check(
            seq, check, species=gas, concentration=value, concentration_unit=unit, standard=std.serial
        )
    return seq

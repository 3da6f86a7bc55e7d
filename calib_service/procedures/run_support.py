"""What a procedure's run function works with: the set-up, the standards of the day, and its station.

A run function (``jjg162_run.run``, ``jjg635_run.run`` ...) receives a :class:`Station`: the run context
(which commits every reading at once), the bench's instruments by role (None where the bench has no
serial line), an ``ask`` callback for typed-in readings (recorded with the technician who typed them),
an ``operator`` callback for the technician's physical steps (open the valve, connect the cylinder),
and the :class:`RunSetup` (class, rule, device ratings, standards of the day).

Resume: a point already stored is skipped; readings of the current point already stored are reused
(:meth:`Station.group` for a test run whose readings only make sense together, :meth:`Station.stored`
for repeated readings).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pint

from calib_service.errors import RecordValidationError
from calib_service.models import User
from calib_service.procedures.common import CheckResult, PointResult
from calib_service.runner import RunContext
from instruments.drivers.base import Reading

__all__ = ["Ask", "Operator", "RunSetup", "StandardOnDay", "Station", "Take", "bench_run", "convert"]

#: ``ask(quantity, unit, prompt) -> value`` for a reading typed in by the technician.
Ask = Callable[[str, str, str], float]
#: ``operator(action, parameters)``: the technician performs a physical step and confirms it.
Operator = Callable[[str, Mapping[str, Any]], None]

_UNIT_ALIASES = {"%": "percent", "% FS": "percent"}


def convert(value: float, unit: str, to: str) -> float:
    """Convert ``value`` from ``unit`` to ``to`` with the application registry.

    Args:
        value: Magnitude.
        unit: Its unit (``%`` is pint's ``percent``).
        to: Target unit.

    Returns:
        The converted magnitude.

    Raises:
        RecordValidationError: incompatible units.
    """
    a, b = _UNIT_ALIASES.get(unit, unit), _UNIT_ALIASES.get(to, to)
    if a == b:
        return float(value)
    ureg: Any = pint.get_application_registry()  # type: ignore[no-untyped-call]
    try:
        return float(ureg.Quantity(value, a).to(b).magnitude)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError):
        raise RecordValidationError(f"cannot convert {value} {unit} to {to}; check the units") from None


@dataclass(frozen=True)
class StandardOnDay:
    """A standard as it stands on the day of the calibration.

    Attributes:
        role: Its role on the bench.
        equipment_id: Equipment id.
        serial: Its serial.
        description: What it is.
        u: Expanded uncertainty of the certificate valid on the day.
        k: Its coverage factor.
        unit: Unit of ``u``.
        cmc: CMC of the centre's measurement standard holding it (U at k = 2), or None.
        cmc_unit: Unit of the CMC.
        specs: Equipment specs (a cylinder's certified value: ``certified_value: [1800, ppm]``).
    """

    role: str
    equipment_id: int
    serial: str
    description: str
    u: float
    k: float
    unit: str
    cmc: float | None = None
    cmc_unit: str | None = None
    specs: Mapping[str, Any] = field(default_factory=dict)

    def u_in(self, unit: str, *, of: float | None = None) -> float:
        """The certificate U in ``unit``; a relative U (``%``) needs ``of`` to become absolute, and back.

        Args:
            unit: Wanted unit.
            of: The value the relative U refers to (for % ↔ absolute).

        Returns:
            U in ``unit``.
        """
        return _in(self.u, self.unit, unit, of, self.role)

    def cmc_in(self, unit: str, *, of: float | None = None) -> float | None:
        """The CMC in ``unit`` (None when none is recorded); see :meth:`u_in`."""
        if self.cmc is None or not self.cmc_unit:
            return None
        return _in(self.cmc, self.cmc_unit, unit, of, self.role)

    def spec_value(self, name: str, unit: str, default: float) -> float:
        """A spec of the standard (``specs[name] = [value, unit]``) in ``unit``, else ``default``."""
        raw = self.specs.get(name)
        if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) == 2:
            return convert(float(raw[0]), str(raw[1]), unit)
        return default

    def certified_value(self, unit: str) -> float:
        """The certified value of a reference material (``specs.certified_value``) in ``unit``.

        Raises:
            RecordValidationError: the equipment has no certified value.
        """
        raw = self.specs.get("certified_value")
        if not isinstance(raw, Sequence) or len(raw) != 2:
            raise RecordValidationError(
                f"standard {self.serial} ({self.role}) has no certified value; register it with "
                "specs certified_value: [value, unit]"
            )
        return convert(float(raw[0]), str(raw[1]), unit)


def _relative(unit: str) -> bool:
    return unit in ("%", "percent")


def _in(value: float, unit: str, to: str, of: float | None, role: str) -> float:
    if _relative(unit) == _relative(to):
        return convert(value, unit, to)
    if of is None or of == 0:
        raise RecordValidationError(f"standard in role {role}: {value} {unit} cannot be expressed in {to}")
    if _relative(unit):
        return value / 100.0 * abs(of)
    return value / abs(of) * 100.0


@dataclass(frozen=True)
class RunSetup:
    """What the technician chose and what the records say about the device and the standards.

    Attributes:
        procedure: Procedure code.
        accuracy_class: Class of the device (None for calibrations).
        decision_rule: ``jjf1094``, ``simple`` or ``guard``.
        ratings: Device ratings (Q3, span, qmax ...) from its record, overridden by ``--param``.
        points: Points chosen by the technician (None: the procedure's own).
        standards: Standards of the day by role.
        technician: Who runs it and types the manual entries.
        flags: Notes added to every point (environment outside limits, overridden).
        state: ``as_found`` or ``as_left``.
        conditions: Environmental conditions recorded for the calibration, by quantity.
    """

    procedure: str
    accuracy_class: str | None
    decision_rule: str
    ratings: Mapping[str, float]
    points: tuple[float, ...] | None
    standards: Mapping[str, StandardOnDay]
    technician: User
    flags: tuple[str, ...] = ()
    state: str = "as_found"
    conditions: Mapping[str, float] = field(default_factory=dict)

    def rating(self, name: str, default: float | None = None) -> float:
        """A device rating; ``default`` when absent.

        Raises:
            RecordValidationError: absent and no default (the message says how to give it).
        """
        if name in self.ratings:
            return float(self.ratings[name])
        if default is None:
            raise RecordValidationError(
                f"{self.procedure}: the device's {name} is not known; give it with --param {name}=VALUE"
            )
        return default

    def standard(self, role: str) -> StandardOnDay:
        """The standard serving in ``role``.

        Raises:
            RecordValidationError: the bench file names none.
        """
        found = self.standards.get(role)
        if found is None:
            raise RecordValidationError(
                f"{self.procedure}: no standard in role {role!r}; name its serial under standards: in the "
                "bench file"
            )
        return found


@dataclass
class Station:
    """The I/O of a running procedure.

    Attributes:
        ctx: The run context.
        instruments: Driver objects by role (None for manual roles; absent roles are manual too).
        ask: Callback for typed-in readings.
        operator: Callback for physical steps.
        setup: The set-up.
    """

    ctx: RunContext
    instruments: Mapping[str, Any]
    ask: Ask
    operator: Operator
    setup: RunSetup

    def has(self, role: str) -> bool:
        """True when ``role`` is read over a serial line."""
        return self.instruments.get(role) is not None

    def say(self, message: str) -> None:
        """One progress line."""
        self.ctx.progress(message)

    def act(self, action: str, instruction: str, **params: Any) -> None:
        """Ask the technician to do ``instruction`` and wait until it is done."""
        self.say(instruction)
        self.operator(action, params)

    def take(
        self,
        *,
        role: str,
        quantity: str,
        unit: str,
        seq: int | None,
        read: Callable[[Any], Reading] | None = None,
        prompt: str = "",
    ) -> float:
        """Take one reading (serial when the role has an instrument and ``read`` is given, else typed in).

        The reading is committed before this returns.

        Args:
            role: Bench role.
            quantity: Stored quantity name.
            unit: Unit wanted (serial readings are converted to it).
            seq: Point number (None for readings outside points).
            read: Reads the instrument.
            prompt: Text shown when typing in.

        Returns:
            The value in ``unit``.
        """
        state = self.setup.state
        instrument = self.instruments.get(role)
        if instrument is not None and read is not None:
            reading = read(instrument)
            self.ctx.record(reading, point_seq=seq, state=state, quantity=quantity)
            return convert(reading.value, reading.unit, unit)
        value = float(self.ask(quantity, unit, prompt or f"{quantity} ({unit}) from {role}"))
        self.ctx.record_manual(
            quantity=quantity,
            value=value,
            unit=unit,
            entered_by=self.setup.technician,
            point_seq=seq,
            state=state,
            instrument=role,
        )
        return value

    def stored(self, seq: int, quantity: str, unit: str | None = None) -> list[float]:
        """Values of ``quantity`` already stored at point ``seq``, converted to ``unit`` when given."""
        rows = self.ctx.readings(point_seq=seq, state=self.setup.state, quantity=quantity)
        return [r.value if unit is None else convert(r.value, r.unit, unit) for r in rows]

    def group(self, seq: int, quantities: Mapping[str, str]) -> dict[str, float] | None:
        """The last stored value of each quantity (name → unit) at ``seq``, or None unless all are stored."""
        out: dict[str, float] = {}
        for q, unit in quantities.items():
            values = self.stored(seq, q, unit)
            if not values:
                return None
            out[q] = values[-1]
        return out

    def done(self, seq: int, label: str) -> bool:
        """True (with a progress line) when point ``seq`` is already stored."""
        if (self.setup.state, seq) in self.ctx.stored_points():
            self.say(f"[{seq}] {label}: already measured, skipped")
            return True
        return False

    def store(self, seq: int, result: PointResult, **parameters: Any) -> None:
        """Commit an evaluated point (with the run's flags) and show it."""
        fields = result.store_fields(parameters=parameters)
        fields["flags"] = [*self.setup.flags, *fields["flags"]]
        self.ctx.store_point(seq=seq, state=self.setup.state, **fields)
        unit = result.error_unit
        self.say(
            f"[{seq}] {result.point}: error {result.error:+.4g} {unit}, "
            f"U = {result.expanded_uncertainty:.2g} {unit} "
            f"(k = {result.coverage_factor:.3g})"
            + ("" if result.mpe is None else f", MPE ±{result.mpe:g} {unit}")
            + f" → {result.decision or 'calibrated'}"
        )

    def store_check(self, seq: int, check: CheckResult, **parameters: Any) -> None:
        """Commit a scalar check (drift, repeatability, T90) as a point without an uncertainty budget."""
        self.ctx.store_point(
            seq=seq,
            state=self.setup.state,
            label=check.name,
            parameters={"check": True, "limit_verified": check.limit_verified, **parameters},
            reference_value=None,
            indication=None,
            error=check.value,
            error_unit="percent" if check.unit == "%" else check.unit,
            mpe=check.limit,
            expanded_uncertainty=0.0,
            coverage_factor=0.0,
            decision=check.decision,
            flags=[
                *self.setup.flags,
                "scalar check: the value is compared with the limit, no uncertainty budget",
                *([] if check.limit_verified else ["limit not verified against the official text"]),
            ],
            budget={"check": check.to_dict()},
        )
        self.say(
            f"[{seq}] {check.name}: {check.value:.4g} {check.unit} (limit {check.limit:g}) → {check.decision}"
        )


@dataclass(frozen=True)
class Take:
    """One reading of a bench run: stored as ``quantity.<run>`` in ``unit`` (see :func:`bench_run`).

    Attributes:
        quantity: Stored quantity name without the run number.
        role: Bench role read.
        unit: Unit wanted.
        prompt: Text shown when typing in.
        read: Reads the instrument (None: always typed in).
    """

    quantity: str
    role: str
    unit: str
    prompt: str
    read: Callable[[Any], Reading] | None = None


def bench_run(
    st: Station,
    seq: int,
    r: int,
    *,
    before: Sequence[Take],
    after: Sequence[Take],
    instruction: str,
    flow: float,
    volume_l: float,
    prepare: Callable[[], None] | None = None,
    **flow_params: Any,
) -> list[float]:
    """One run of a flow-meter bench: readings, the test volume passed at the test flow, readings again.

    A run whose readings are all stored at point ``seq`` is reused (with a progress line); otherwise
    ``prepare`` is called, the ``before`` readings taken, the technician asked to pass ``volume_l`` at
    ``flow`` (operator action ``flow``), and the ``after`` readings taken, each committed at once.

    Args:
        st: The station.
        seq: Point number.
        r: Run number (appended to every quantity name).
        before: Readings before the flow.
        after: Readings after the flow.
        instruction: What the technician does, shown after ``[seq] run r:``.
        flow: Test flow, m³/h.
        volume_l: Test volume, L.
        prepare: Called before the first reading when the run is (re)made.
        **flow_params: Further parameters of the ``flow`` action.

    Returns:
        The values of ``before`` then ``after``, in their order and units.
    """
    takes = [*before, *after]
    names = [f"{t.quantity}.{r}" for t in takes]
    kept = st.group(seq, {n: t.unit for n, t in zip(names, takes, strict=True)})
    if kept is not None:
        st.say(f"[{seq}] run {r}: readings already stored, reused")
        return [kept[n] for n in names]
    if prepare is not None:
        prepare()

    def take(t: Take, name: str) -> float:
        return st.take(role=t.role, quantity=name, unit=t.unit, seq=seq, read=t.read, prompt=t.prompt)

    values = [take(t, n) for t, n in zip(before, names, strict=False)]
    st.act(
        "flow",
        f"[{seq}] run {r}: {instruction}",
        point=seq,
        run=r,
        flow=flow,
        volume_l=volume_l,
        seconds=volume_l / 1000.0 / flow * 3600.0,
        **flow_params,
    )
    values += [take(t, n) for t, n in zip(after, names[len(before) :], strict=True)]
    return values

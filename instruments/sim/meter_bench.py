"""Simulated electricity-meter test bench: power source + reference standard meter + error calculator.

It speaks the meter-bench protocol of :mod:`instruments.protocols.meterbench`. Physics, on the injected
clock (so ``--time-scale`` keeps the demo fast):

* the source takes ``settle_s`` seconds to settle after each change (``SRC?`` says ``SETTLING``);
* the standard meter integrates the true energy of the source output and counts ``C_0`` pulses per kWh;
* an error test of N pulses of the meter under test (constant C_L) lasts N/(C_L·P·(1+γ/100)/(K_I·K_U)) hours;
  at the end the error calculator reports the standard's count m = m0/(1+γ/100)·(1+ε), rounded to whole
  pulses, with γ = ``error_percent`` (the error of the meter in its test position) and
  ε ~ N(0, ``noise_percent``/100), and the error computed from m by the standard formula. Asking before the
  test has finished gives ``BUSY`` with the pulses done so far, never a premature value.

The meter's test output (pulse input of the bench, counted by ``CNT``): the meter's pulse divider accumulates
C_L·P·(1+γ/100) pulses per hour (``meter_constant`` C_L, no noise) and emits a pulse at each whole count; the
fraction left over carries from one setting to the next, as in a real meter. Below its starting threshold
(``start_threshold_a``, 0: any current starts it) it registers no load; with voltage applied and no
registered load it creeps at ``creep_pulses_per_hour`` (0 for a good meter). An error test below the starting
threshold never ends (``BUSY``), as on a real bench.

With a companion :class:`~instruments.sim.dlt645.DLT645MeterSim` (``meter=``), the source drives its load,
so the meter's energy register advances while the bench runs (same error γ).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import TerminatorFramer
from instruments.protocols import meterbench as mb
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase, SimDevice
from instruments.sim.dlt645 import DLT645MeterSim

__all__ = ["SIM_ENTRIES", "MeterBenchSim", "count_in_gate"]


@dataclass(frozen=True)
class _Test:
    cl: float
    n: int
    c0: float
    ki: float
    ku: float
    t_start: float
    duration_s: float
    m: int


@dataclass(frozen=True)
class _Count:
    t_start: float
    gate_s: float
    phase: float  # the meter's pulse accumulator (pulses, fractional) when the gate opened
    rate: float  # pulses per second during the gate (constant: a source change ends the gate)


def count_in_gate(phase: float, rate: float, elapsed: float) -> tuple[int, float | None]:
    """Pulses emitted in ``elapsed`` s from accumulator ``phase`` at ``rate`` pulses/s, and the first's time.

    >>> count_in_gate(0.25, 0.01, 100.0)
    (1, 75.0)
    >>> count_in_gate(0.0, 0.0, 1e6)
    (0, None)
    """
    if rate <= 0 or elapsed <= 0:
        return 0, None
    eps = 1e-9
    n = math.floor(phase + rate * elapsed + eps) - math.floor(phase + eps)
    if n <= 0:
        return 0, None
    first = (math.floor(phase + eps) + 1 - phase) / rate
    return n, min(first, elapsed)


class MeterBenchSim(SimBase):
    """The simulated bench.

    Args:
        c0: constant of the reference standard meter (imp/kWh).
        settle_s: settling time of the source after a change (s of the device clock).
        u_max: largest voltage the source can set (V); i_max: largest current (A).
        meter: optional companion meter under test whose load follows the source.
        ident: the ``IDN?`` answer.
        meter_constant: C_L of the simulated meter's test output (imp/kWh), for ``CNT``.
        start_threshold_a: smallest current the meter registers (A); 0: it starts at any current.
        creep_pulses_per_hour: pulses of the meter's output with voltage and no registered load.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.
    """

    name = "meter-bench"

    def __init__(
        self,
        *,
        c0: float = 1.2e6,
        settle_s: float = 2.0,
        u_max: float = 600.0,
        i_max: float = 100.0,
        meter: DLT645MeterSim | None = None,
        ident: str = "CALIB-SIM,MB-1,0001,1.0",
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
        meter_constant: float = 1200.0,
        start_threshold_a: float = 0.0,
        creep_pulses_per_hour: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        for name, value, positive in (
            ("meter constant C_L", meter_constant, True),
            ("starting threshold", start_threshold_a, False),
            ("creep rate", creep_pulses_per_hour, False),
        ):
            if not math.isfinite(value) or value < 0 or (positive and value == 0):
                raise ConfigurationError(f"{name} must be {'> 0' if positive else '>= 0'}, got {value!r}")
        self.meter_constant = float(meter_constant)
        self.start_threshold_a = float(start_threshold_a)
        self.creep_pulses_per_hour = float(creep_pulses_per_hour)
        if not (math.isfinite(c0) and c0 > 0):
            raise ConfigurationError(f"standard meter constant C_0 must be > 0 imp/kWh, got {c0!r}")
        if settle_s < 0:
            raise ConfigurationError(f"settling time must be >= 0 s, got {settle_s!r}")
        self.c0 = float(c0)
        self.settle_s = float(settle_s)
        self.u_max, self.i_max = float(u_max), float(i_max)
        self.meter = meter
        self.ident = ident
        self._framer = mb.framer()
        self._on = False
        self._u = self._i = 0.0
        self._pf = 1.0
        self._t_change = self.clock.now()
        self._t_last = self._t_change
        self._std_kwh = 0.0
        self._test: _Test | None = None
        self._dut_phase = 0.0
        self._count: _Count | None = None

    @property
    def framer(self) -> TerminatorFramer:
        return self._framer

    def companions(self) -> Mapping[str, SimDevice]:
        return {"meter": self.meter} if self.meter is not None else {}

    # ------------------------------------------------------------------ physics
    def _power_kw(self) -> float:
        return self._u * self._i * self._pf / 1000.0 if self._on else 0.0

    def _registers(self) -> bool:
        """True when the meter registers the applied load (current at or above its starting threshold)."""
        return self._on and self._i > 0 and self._i >= self.start_threshold_a

    def _dut_rate(self) -> float:
        """Pulses per second of the meter's test output at the present setting."""
        if not self._on or self._u <= 0:
            return 0.0
        if self._registers():
            kw = max(0.0, self._power_kw()) * (1 + self.error_percent / 100.0)
            return self.meter_constant * kw / 3600.0
        return self.creep_pulses_per_hour / 3600.0

    def _integrate(self) -> float:
        now = self.clock.now()
        dt = max(0.0, now - self._t_last)
        self._std_kwh += self._power_kw() * dt / 3600.0
        self._dut_phase += self._dut_rate() * dt
        self._t_last = now
        return now

    def _state(self, now: float) -> str:
        if not self._on:
            return "OFF"
        return "STABLE" if now - self._t_change >= self.settle_s else "SETTLING"

    def set_source(self, u: float, i: float, pf: float) -> None:
        """Apply a source setting (also what ``SRC`` does)."""
        with self.lock:
            now = self._integrate()
            self._on, self._u, self._i, self._pf = True, u, i, pf
            self._t_change = now
            self._test = None
            self._count = None
        if self.meter is not None:
            self.meter.apply_load(u, i, pf)

    def source_off(self) -> None:
        """Switch the source off (also what ``OFF`` does)."""
        with self.lock:
            self._integrate()
            self._on = False
            self._test = None
            self._count = None
        if self.meter is not None:
            self.meter.apply_load(0.0, 0.0, 1.0)

    # ------------------------------------------------------------------ protocol
    def handle(self, request: bytes) -> bytes | None:
        try:
            command, args = mb.parse_request(request)
        except ProtocolError as exc:
            code = 5 if "checksum" in str(exc) else 1
            return mb.build_reply("ER", "?", code, mb.ERROR_CODES[code].replace(" ", "_"))
        try:
            return self._dispatch(command, args)
        except _Refused as exc:
            return mb.build_reply("ER", command, exc.code, *exc.text.split())

    def _dispatch(self, command: str, args: tuple[str, ...]) -> bytes:
        with self.lock:
            now = self._integrate()
            if command == "IDN?":
                return mb.build_reply("OK", command, self.ident.replace(" ", "_"))
            if command == "SRC?":
                return mb.build_reply("OK", command, self._u, self._i, self._pf, self._state(now))
            if command == "STD?":
                pulses = math.floor(self._std_kwh * self.c0)
                return mb.build_reply(
                    "OK", command, round(self._power_kw(), 6), round(self._std_kwh, 6), pulses
                )
            if command == "CONST?":
                return mb.build_reply("OK", command, self.c0)
            if command == "TEST?":
                return self._test_status(now)
            if command == "CNT?":
                return self._count_status(now)
        if command == "SRC":
            u, i, pf = _numbers(args, 3)
            if not (0 <= u <= self.u_max and 0 <= i <= self.i_max and -1 <= pf <= 1):
                raise _Refused(2, f"need 0<=U<={self.u_max:g} 0<=I<={self.i_max:g} -1<=PF<=1")
            self.set_source(u, i, pf)
            return mb.build_reply("OK", command, u, i, pf)
        if command == "OFF":
            self.source_off()
            return mb.build_reply("OK", command)
        if command == "STD":
            if args != ("RESET",):
                raise _Refused(1, "expected STD RESET")
            with self.lock:
                self._std_kwh = 0.0
            return mb.build_reply("OK", command, "RESET")
        if command == "STOP":
            with self.lock:
                self._test = None
                self._count = None
            return mb.build_reply("OK", command)
        if command == "TEST":
            return self._start_test(args)
        if command == "CNT":
            return self._start_count(args)
        raise _Refused(1, f"unknown command {command}")

    def _start_test(self, args: tuple[str, ...]) -> bytes:
        if len(args) not in (3, 5):
            raise _Refused(1, "expected TEST CL N C0 [KI KU]")
        nums = _numbers(args, len(args))
        cl, n, c0 = nums[0], nums[1], nums[2]
        ki, ku = (nums[3], nums[4]) if len(nums) == 5 else (1.0, 1.0)
        if not (cl > 0 and n >= 1 and n == int(n) and c0 > 0 and ki > 0 and ku > 0):
            raise _Refused(2, "need CL>0, integer N>=1, C0>0, KI>0, KU>0")
        with self.lock:
            now = self._integrate()
            if self._state(now) != "STABLE" or self._power_kw() <= 0:
                raise _Refused(3, f"source is {self._state(now)} with P={self._power_kw():g} kW")
            gamma = self.error_percent
            meter_kw = self._power_kw() * (1 + gamma / 100.0) / (ki * ku)
            # below its starting threshold the meter emits no pulse: the test never ends
            duration = int(n) / (cl * meter_kw) * 3600.0 if self._registers() else math.inf
            # the standard really pulses at its own constant; the calculator uses the C0 it was given
            m_exact = mb.standard_pulses_for_error(gamma, self.c0, cl, int(n), ki, ku)
            m = max(1, round(self.noisy(m_exact)))
            self._test = _Test(cl, int(n), c0, ki, ku, now, duration, m)
        return mb.build_reply("OK", "TEST", cl, int(n), c0, ki, ku)

    def _test_status(self, now: float) -> bytes:
        t = self._test
        if t is None:
            raise _Refused(4, "no error test started")
        elapsed = now - t.t_start
        if elapsed < t.duration_s:
            done = min(t.n - 1, math.floor(t.n * elapsed / t.duration_s))
            return mb.build_reply("BUSY", "TEST?", done, t.n)
        gamma = mb.error_percent(t.m, t.c0, t.cl, t.n, t.ki, t.ku)
        return mb.build_reply("OK", "TEST?", t.m, f"{gamma:.4f}", t.n)

    def _start_count(self, args: tuple[str, ...]) -> bytes:
        (gate,) = _numbers(args, 1)
        if not gate > 0:
            raise _Refused(2, "need a gate T>0 s")
        with self.lock:
            now = self._integrate()
            if self._state(now) != "STABLE":
                raise _Refused(3, f"source is {self._state(now)}")
            self._count = _Count(now, gate, self._dut_phase, self._dut_rate())
        return mb.build_reply("OK", "CNT", gate)

    def _count_status(self, now: float) -> bytes:
        c = self._count
        if c is None:
            raise _Refused(4, "no pulse count started")
        elapsed = min(c.gate_s, now - c.t_start)
        n, first = count_in_gate(c.phase, c.rate, elapsed)
        status: mb.Status = "OK" if elapsed >= c.gate_s else "BUSY"
        return mb.build_reply(status, "CNT?", n, elapsed, c.gate_s, "NONE" if first is None else first)


class _Refused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _numbers(args: tuple[str, ...], count: int) -> tuple[float, ...]:
    if len(args) != count:
        raise _Refused(1, f"expected {count} numbers")
    try:
        out = tuple(float(a) for a in args)
    except ValueError:
        raise _Refused(1, "arguments must be numbers") from None
    if not all(math.isfinite(v) for v in out):
        raise _Refused(2, "numbers must be finite")
    return out


def _factory(ctx: SimContext) -> MeterBenchSim:
    meter = None
    address = ctx.option("meter_address")
    if address:
        meter = DLT645MeterSim(
            address,
            energy_kwh=float(ctx.option("meter_energy", 1234.56)),
            voltage=0.0,
            current=0.0,
            clock=ctx.clock,
            rng=random.Random(ctx.rng.random()),
            error_percent=ctx.error_percent,
            noise_percent=ctx.noise_percent,
        )
    return MeterBenchSim(
        c0=float(ctx.option("c0", 1.2e6)),
        settle_s=float(ctx.option("settle", 2.0)),
        meter=meter,
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
        meter_constant=float(ctx.option("meter_constant", 1200.0)),
        start_threshold_a=float(ctx.option("start_threshold", 0.0)),
        creep_pulses_per_hour=float(ctx.option("creep_pulses_per_hour", 0.0)),
    )


SIM_ENTRIES = (
    SimEntry(
        name="meter-bench",
        description="electricity meter test bench: source, reference standard meter, error calculator",
        factory=_factory,
        options=(
            Option("--c0", "constant of the reference standard meter (imp/kWh)", type=float, default=1.2e6),
            Option("--settle", "source settling time after a change (s)", type=float, default=2.0),
            Option(
                "--meter-address",
                "also serve a DL/T 645 meter under test at this address, driven by the source "
                "(its path is printed as a second line 'meter PATH')",
            ),
            Option("--meter-link", "symlink for the companion meter's pseudo-terminal"),
            Option(
                "--meter-energy",
                "companion meter's energy register at start (kWh)",
                type=float,
                default=1234.56,
            ),
            Option(
                "--meter-constant",
                "C_L of the meter under test's pulse output (imp/kWh), counted by CNT",
                type=float,
                default=1200.0,
            ),
            Option(
                "--start-threshold",
                "smallest current the meter under test registers (A); above the starting current: "
                "a meter that fails the starting test",
                type=float,
                default=0.0,
            ),
            Option(
                "--creep-pulses-per-hour",
                "pulses the meter under test emits with voltage and no current (a meter that creeps)",
                type=float,
                default=0.0,
            ),
        ),
    ),
)

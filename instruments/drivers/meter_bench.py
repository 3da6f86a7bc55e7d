"""Driver for an electricity-meter test bench speaking the meter-bench protocol
(:mod:`instruments.protocols.meterbench`): source, reference standard meter, error calculator.

Waiting (source settling, error tests) uses the injected clock, so a demo against a simulator running with
``--time-scale`` can pass a :class:`~instruments.clock.ScaledClock` of the same scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from instruments.clock import Clock, RealClock
from instruments.drivers.base import Driver, Reading
from instruments.errors import ConfigurationError, InstrumentTimeout, ProtocolError
from instruments.link import SerialLink
from instruments.protocols import meterbench as mb
from instruments.registry import DriverEntry, LineDefaults, Option
from instruments.trace import TraceEntry

__all__ = ["DRIVER_ENTRIES", "METER_BENCH_LINE", "ErrorTestResult", "MeterBench", "PulseCount", "SourceState"]

#: Line settings of the (simulated) bench: 9600 8N1, 1 s timeout, 2 retries.
METER_BENCH_LINE = LineDefaults(baudrate=9600, parity="N", timeout=1.0, inter_byte_timeout=0.5, retries=2)


@dataclass(frozen=True)
class SourceState:
    """Source output as the bench reports it: setpoints and ``OFF`` / ``SETTLING`` / ``STABLE``."""

    voltage: float
    current: float
    power_factor: float
    state: str

    @property
    def active_power_kw(self) -> float:
        """U·I·PF in kW (0 when off)."""
        return 0.0 if self.state == "OFF" else self.voltage * self.current * self.power_factor / 1000.0


@dataclass(frozen=True)
class ErrorTestResult:
    """Outcome of one standard-meter error test.

    Attributes:
        error_percent: γ of the meter under test (%), as computed from the pulse counts.
        standard_pulses: m, pulses of the standard counted during the gate.
        expected_pulses: m0 = C_0·N/(C_L·K_I·K_U).
        meter_pulses: N; meter_constant: C_L; standard_constant: C_0; ki, ku: transformer ratios.
        readings: ``meter_error`` (percent) and ``standard_pulses`` (count) with their frames.
    """

    error_percent: float
    standard_pulses: int
    expected_pulses: float
    meter_pulses: int
    meter_constant: float
    standard_constant: float
    ki: float
    ku: float
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class PulseCount:
    """Pulses of the meter under test counted by the bench in a gate (starting and creep tests).

    ``pulses == 0`` with ``complete`` is a result (no pulse came before the gate closed), not a fault: a
    bench that stops answering raises :class:`~instruments.errors.InstrumentTimeout` or
    :class:`~instruments.errors.LinkDown` instead.

    Attributes:
        pulses: n, whole pulses counted.
        elapsed_s: seconds counted (the gate length when ``complete``; less when stopped at ``stop_at``).
        gate_s: the gate length asked for.
        first_pulse_s: seconds from the opening of the gate to the first pulse (None: no pulse).
        complete: the gate ran its full length.
        readings: ``count_time`` (s), ``first_pulse_time`` (s, only when a pulse came) and ``dut_pulses``
            (count), in that order, with the frames of the final ``CNT?``.
    """

    pulses: int
    elapsed_s: float
    gate_s: float
    first_pulse_s: float | None
    complete: bool
    readings: tuple[Reading, ...]


class MeterBench(Driver):
    """A meter test bench.

    Args:
        link: serial link to the bench.
        clock: time for settling and test waits (RealClock by default).
        poll_s: interval between status polls (clock seconds).
        timeout, retries: per-exchange overrides of the link's settings.
    """

    def __init__(
        self,
        link: SerialLink,
        *,
        clock: Clock | None = None,
        poll_s: float = 0.25,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> None:
        super().__init__(link, "meter bench")
        if not poll_s > 0:
            raise ConfigurationError(f"poll interval must be > 0 s, got {poll_s!r}")
        self.clock: Clock = clock if clock is not None else RealClock()
        self.poll_s = poll_s
        self.timeout = timeout
        self.retries = retries
        self.framer = mb.framer()
        self._c0: float | None = None
        self._running: tuple[float, int, float, float, float] | None = None

    @property
    def source(self) -> str:
        return f"meter-bench:{self.link.port}"

    def _ask(self, command: str, *args: float | int | str) -> tuple[mb.BenchReply, tuple[TraceEntry, ...]]:
        ex = self.link.exchange(
            mb.build_request(command, *args),
            self.framer,
            lambda reply: mb.parse_reply(reply, command),
            timeout=self.timeout,
            retries=self.retries,
            device=self.name,
        )
        return ex.value, ex.frames

    def identify(self) -> str:
        """The bench's identification string."""
        reply, _ = self._ask("IDN?")
        return " ".join(reply.fields)

    def standard_constant(self) -> float:
        """C_0 of the reference standard meter (imp/kWh), cached after the first read."""
        if self._c0 is None:
            reply, _ = self._ask("CONST?")
            (c0,) = reply.numbers(1)
            if not c0 > 0:
                raise ProtocolError(f"meter bench reports a non-positive C_0 = {c0!r}")
            self._c0 = c0
        return self._c0

    def source_state(self) -> SourceState:
        """The source's setpoints and state."""
        reply, _ = self._ask("SRC?")
        u, i, pf = reply.numbers(3)
        state = reply.fields[3] if len(reply.fields) > 3 else ""
        if state not in ("OFF", "SETTLING", "STABLE"):
            raise ProtocolError(f"meter bench source state {state!r} is not OFF, SETTLING or STABLE")
        return SourceState(u, i, pf, state)

    def set_source(
        self,
        voltage: float,
        current: float,
        power_factor: float = 1.0,
        *,
        wait: bool = True,
        settle_timeout: float = 120.0,
    ) -> SourceState:
        """Set the source and (by default) wait until it reports STABLE.

        Args:
            voltage: V (>= 0). current: A (>= 0). power_factor: -1..1.
            wait: poll until STABLE. settle_timeout: give up after this many clock seconds.

        Raises:
            ConfigurationError: a value out of range (nothing is sent).
            InstrumentTimeout: the source did not settle in time.
            DeviceError: the bench refused the setting.
        """
        if voltage < 0 or current < 0 or not -1.0 <= power_factor <= 1.0:
            raise ConfigurationError(
                f"source setting needs U >= 0 V, I >= 0 A, -1 <= PF <= 1; got U={voltage!r}, I={current!r}, "
                f"PF={power_factor!r}"
            )
        with self.link.lock:
            reply, _ = self._ask("SRC", voltage, current, power_factor)
            echoed = reply.numbers(3)
            for want, got in zip((voltage, current, power_factor), echoed, strict=True):
                if abs(want - got) > 1e-5 * max(1.0, abs(want)):
                    raise ProtocolError(
                        f"meter bench echoed source {echoed}, requested {voltage, current, power_factor}"
                    )
        if not wait:
            return self.source_state()
        deadline = self.clock.now() + settle_timeout
        while True:
            expired = self.clock.now() >= deadline  # judged before asking: a slow reply is not a timeout
            st = self.source_state()
            if st.state == "STABLE":
                return st
            if expired:
                raise InstrumentTimeout(
                    f"meter bench on {self.link.port}: source still {st.state} after {settle_timeout} s"
                )
            self.clock.sleep(self.poll_s)

    def off(self) -> None:
        """Switch the source off."""
        self._ask("OFF")

    def read_standard(self) -> list[Reading]:
        """Reference standard meter: active power (kW), energy since reset (kWh), pulse count."""
        reply, frames = self._ask("STD?")
        p, e, pulses = reply.numbers(3)
        return [
            self._reading("standard_active_power", p, "kW", frames),
            self._reading("standard_energy", e, "kWh", frames),
            self._reading("standard_pulses", pulses, "count", frames),
        ]

    def reset_standard(self) -> None:
        """Reset the standard meter's energy and pulse count."""
        self._ask("STD", "RESET")

    def start_error_test(
        self, meter_constant: float, pulses: int, ki: float = 1.0, ku: float = 1.0, *, c0: float | None = None
    ) -> None:
        """Start an error test of ``pulses`` pulses of the meter under test (constant C_L imp/kWh).

        Args:
            meter_constant: C_L (imp/kWh). pulses: N. ki, ku: transformer ratios.
            c0: the standard's constant the error calculator uses (default: the bench's ``CONST?``).

        Raises:
            ConfigurationError: invalid constants (nothing is sent). DeviceError: the bench refused
                (e.g. source off or still settling).
        """
        if pulses != int(pulses):
            raise ConfigurationError(f"number of meter pulses N must be an integer, got {pulses!r}")
        c0 = self.standard_constant() if c0 is None else c0
        mb.expected_standard_pulses(c0, meter_constant, pulses, ki, ku)  # validates
        reply, _ = self._ask("TEST", meter_constant, int(pulses), c0, ki, ku)
        echoed = reply.numbers(5)
        for want, got in zip((meter_constant, int(pulses), c0, ki, ku), echoed, strict=True):
            if abs(want - got) > 1e-5 * max(1.0, abs(want)):
                raise ProtocolError(
                    f"meter bench echoed TEST {reply.fields}, requested {meter_constant, pulses, c0}"
                )
        self._running = (float(meter_constant), int(pulses), float(c0), float(ki), float(ku))

    def error_result(
        self,
        meter_constant: float | None = None,
        pulses: int | None = None,
        ki: float | None = None,
        ku: float | None = None,
    ) -> ErrorTestResult | None:
        """The finished test's result, or None while the bench reports BUSY.

        Parameters default to those of the last :meth:`start_error_test`. The bench's γ is checked against
        the formula applied to its own pulse count m.

        Raises:
            ProtocolError: inconsistent result. DeviceError: no test running.
        """
        cl0, n0, c0, ki0, ku0 = self._running or (None, None, None, 1.0, 1.0)
        cl = meter_constant if meter_constant is not None else cl0
        n = pulses if pulses is not None else n0
        ki = ki if ki is not None else ki0
        ku = ku if ku is not None else ku0
        reply, frames = self._ask("TEST?")
        if reply.status == "BUSY":
            return None
        if cl is None or n is None:
            raise ConfigurationError("error_result needs the meter constant and pulse count of the test")
        if c0 is None:
            c0 = self.standard_constant()
        m, gamma, n_echo = reply.numbers(3)
        if n_echo != n or m != int(m) or m <= 0:
            raise ProtocolError(f"meter bench result {reply.fields} does not fit a test of N={n}")
        computed = mb.error_percent(m, c0, cl, n, ki, ku)
        if abs(computed - gamma) > 1e-4 + 1e-6 * abs(computed):
            raise ProtocolError(
                f"meter bench reports error {gamma} % but its pulse count m={m:g} gives {computed:.4f} %"
            )
        readings = (
            self._reading("meter_error", computed, "percent", frames),
            self._reading("standard_pulses", m, "count", frames),
        )
        return ErrorTestResult(
            computed, int(m), mb.expected_standard_pulses(c0, cl, n, ki, ku), int(n), cl, c0, ki, ku, readings
        )

    def measure_error(
        self,
        meter_constant: float,
        pulses: int,
        ki: float = 1.0,
        ku: float = 1.0,
        *,
        c0: float | None = None,
        timeout: float | None = None,
    ) -> ErrorTestResult:
        """Start an error test and wait for its result.

        Args:
            meter_constant: C_L (imp/kWh). pulses: N. ki, ku: transformer ratios.
            c0: the standard's constant for the calculator (default: the bench's ``CONST?``).
            timeout: clock seconds to wait; default 3× the expected duration at the current power + 30 s.

        Raises:
            InstrumentTimeout: no result in time. DeviceError: the bench refused the test.
        """
        if timeout is None:
            p = self.source_state().active_power_kw
            expected = pulses / (meter_constant * p / (ki * ku)) * 3600.0 if p > 0 else 0.0
            timeout = 3.0 * expected + 30.0
        self.start_error_test(meter_constant, pulses, ki, ku, c0=c0)
        deadline = self.clock.now() + timeout
        while True:
            expired = self.clock.now() >= deadline  # judged before asking: a slow reply is not a timeout
            result = self.error_result()
            if result is not None:
                return result
            if expired:
                raise InstrumentTimeout(
                    f"meter bench on {self.link.port}: error test not finished after {timeout:g} s"
                )
            self.clock.sleep(self.poll_s)

    def start_pulse_count(self, seconds: float) -> None:
        """Open a gate of ``seconds`` in which the bench counts the pulses of the meter under test.

        The source must be on and stable (at the voltage and current of the test; zero current for creep).

        Raises:
            ConfigurationError: a gate that is not a positive finite number (nothing is sent).
            DeviceError: the bench refused (source off or settling).
        """
        if not (math.isfinite(seconds) and seconds > 0):
            raise ConfigurationError(f"pulse-count gate must be a positive number of s, got {seconds!r}")
        reply, _ = self._ask("CNT", float(seconds))
        (echoed,) = reply.numbers(1)
        if abs(echoed - seconds) > 1e-5 * max(1.0, seconds):
            raise ProtocolError(f"meter bench echoed CNT {reply.fields}, requested a gate of {seconds:g} s")

    def pulse_count(self) -> PulseCount:
        """The count so far (``complete`` False while the gate is open).

        Raises:
            DeviceError: no count started. ProtocolError: an inconsistent reply.
        """
        reply, frames = self._ask("CNT?")
        c = mb.parse_count(reply)
        readings = [self._reading("count_time", c.elapsed_s, "s", frames)]
        if c.first_pulse_s is not None:
            readings.append(self._reading("first_pulse_time", c.first_pulse_s, "s", frames))
        readings.append(self._reading("dut_pulses", c.pulses, "count", frames))
        return PulseCount(c.pulses, c.elapsed_s, c.gate_s, c.first_pulse_s, c.complete, tuple(readings))

    def count_pulses(
        self,
        seconds: float,
        *,
        stop_at: int | None = None,
        poll_s: float | None = None,
        grace_s: float = 30.0,
    ) -> PulseCount:
        """Count the meter's pulses for ``seconds`` (clock time), or until ``stop_at`` pulses have come.

        "No pulse until the deadline" is a result (``pulses == 0``, ``complete``). A bench that stops
        answering raises from the link (InstrumentTimeout, LinkDown); one that keeps saying BUSY
        ``grace_s`` past the end of its gate raises InstrumentTimeout.

        Args:
            seconds: the gate (test time), > 0.
            stop_at: return as soon as this many pulses are counted (1 for a starting test: the meter
                has started; 2 for a creep test: it has failed); None: always run the full gate.
            poll_s: clock seconds between polls; default a hundredth of the gate, between the driver's
                ``poll_s`` and 10 s.
            grace_s: clock seconds the bench may answer BUSY after the gate should have closed.

        Raises:
            ConfigurationError: bad arguments. DeviceError: the bench refused. InstrumentTimeout,
                LinkDown: the bench stopped answering or never closed the gate.
        """
        if stop_at is not None and stop_at < 1:
            raise ConfigurationError(f"stop_at must be >= 1 pulse, got {stop_at!r}")
        if not grace_s >= 0:
            raise ConfigurationError(f"grace must be >= 0 s, got {grace_s!r}")
        default_poll = min(max(self.poll_s, seconds / 100.0), max(self.poll_s, 10.0))
        poll = poll_s if poll_s is not None else default_poll
        if not poll > 0:
            raise ConfigurationError(f"poll interval must be > 0 s, got {poll!r}")
        self.start_pulse_count(seconds)
        deadline = self.clock.now() + seconds + grace_s
        while True:
            expired = self.clock.now() >= deadline  # judged before asking: a slow reply is not a timeout
            count = self.pulse_count()
            if count.complete:
                return count
            if stop_at is not None and count.pulses >= stop_at:
                self._ask("STOP")
                return count
            if expired:
                raise InstrumentTimeout(
                    f"meter bench on {self.link.port}: pulse count still running {grace_s:g} s after its "
                    f"{seconds:g} s gate"
                )
            self.clock.sleep(poll)


def _cli_read(link: SerialLink, options: Mapping[str, Any]) -> Sequence[Reading]:
    bench = MeterBench(link)
    out: list[Reading] = []
    voltage, current = options.get("voltage"), options.get("current")
    if voltage is not None or current is not None:
        bench.set_source(
            220.0 if voltage is None else float(voltage),
            5.0 if current is None else float(current),  # --current 0: voltage only (creep)
            float(options.get("power_factor") or 1.0),
        )
    if options.get("pulses"):
        result = bench.measure_error(float(options.get("meter_constant") or 1200.0), int(options["pulses"]))
        out.extend(result.readings)
    if options.get("count"):
        out.extend(bench.count_pulses(float(options["count"])).readings)
    out.extend(bench.read_standard())
    return out


DRIVER_ENTRIES = (
    DriverEntry(
        name="meter-bench",
        description="electricity meter test bench (meter-bench ASCII protocol, docs/instruments.md)",
        line=METER_BENCH_LINE,
        read=_cli_read,
        options=(
            Option("--voltage", "set the source voltage first (V)", type=float),
            Option("--current", "set the source current first (A)", type=float),
            Option("--power-factor", "source power factor", type=float, default=1.0),
            Option(
                "--meter-constant",
                "C_L of the meter under test (imp/kWh) for --pulses",
                type=float,
                default=1200.0,
            ),
            Option("--pulses", "run an error test of N meter pulses and print the error", type=int),
            Option(
                "--count",
                "count the meter's test-output pulses for S seconds (starting/creep check)",
                type=float,
            ),
        ),
        address_help="not used (one bench per port)",
    ),
)

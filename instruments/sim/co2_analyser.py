"""Simulated NDIR CO₂ analyser: first-order response to the applied gas, gain error, zero offset, noise,
cross-sensitivity to other gases.

The sensor follows the applied mole fraction with a first-order response whose T90 is configurable
(time constant τ = T90 / ln 10, on the device clock). It reports
``c_sensor × (1 + error_percent/100) + x_sensor + offset`` plus noise, where ``x_sensor`` follows
Σ kᵢ xᵢ with the same first-order response: xᵢ is the amount of interferent i applied with the gas
(in the unit of its cylinder's certificate) and kᵢ the configured cross-sensitivity, in ppm CO₂ shown
per unit of xᵢ (so the interference is what the display shows, gain error included). It answers in one
of two protocols:

* ``vaisala``: ``SEND`` CR → ``CO2=  412.3 ppm`` CR LF (unknown commands: ``Unknown command``);
* ``senseair``: Modbus RTU, input register 3 (IR4) holds the reading in whole ppm (S8 style, any-address
  0xFE accepted), IR1 a status word of 0; other registers get exception 02.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import Framer, LengthFramer, TerminatorFramer
from instruments.protocols import modbus_rtu as rtu
from instruments.protocols import ndir_co2
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["PROTOCOLS", "SIM_ENTRIES", "Co2AnalyserSim", "parse_gas_values"]

PROTOCOLS = ("vaisala", "senseair")

_GAS = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _check_gas(name: str, where: str) -> str:
    if not _GAS.fullmatch(name):
        raise ConfigurationError(
            f"{where}: interferent name {name!r} must be a formula such as CO, H2O or CH4 "
            "(a letter, then letters and digits)"
        )
    return name


def _checked_sensitivity(values: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for gas, k in (values or {}).items():
        k = float(k)
        if not math.isfinite(k):
            raise ConfigurationError(f"cross-sensitivity to {gas} must be a finite number, got {k!r}")
        out[_check_gas(str(gas), "cross-sensitivity")] = k
    return out


def _checked_amounts(values: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for gas, x in (values or {}).items():
        x = float(x)
        if not (math.isfinite(x) and x >= 0):
            raise ConfigurationError(f"applied {gas} must be a finite amount >= 0, got {x!r}")
        out[_check_gas(str(gas), "applied gas")] = x
    return out


def parse_gas_values(
    text: str | None, *, flag: str = "--cross-sensitivity", nonnegative: bool = False
) -> dict[str, float]:
    """``GAS=K[,GAS=K...]`` (e.g. ``CO=0.002,H2O=5``) as a mapping gas formula → number.

    The grammar of ``--cross-sensitivity`` (ppm CO₂ shown per unit of the gas) and ``--interferents``
    (amount of each gas applied, in the unit of its cylinder): items separated by commas, each a gas
    formula (a letter, then letters and digits), ``=``, and a finite number; spaces around are ignored.

    Args:
        text: The option value; None or blank means none.
        flag: The option, for the message.
        nonnegative: Refuse negative numbers (amounts applied).

    Returns:
        Number by gas.

    Raises:
        ConfigurationError: an item is not ``GAS=NUMBER``, a gas is named twice, a number is not finite
            (or negative with ``nonnegative``).

    >>> parse_gas_values("CO=0.002, H2O=5")
    {'CO': 0.002, 'H2O': 5.0}
    >>> parse_gas_values("")
    {}
    """
    out: dict[str, float] = {}
    if text is None or not text.strip():
        return out
    where = f"{flag} {text!r}"
    for item in text.split(","):
        gas, sep, number = (part.strip() for part in item.partition("="))
        if not sep or not gas or not number:
            raise ConfigurationError(
                f"{where}: item {item.strip()!r} is not GAS=NUMBER (e.g. CO=0.002,H2O=5)"
            )
        _check_gas(gas, where)
        if gas in out:
            raise ConfigurationError(f"{where}: {gas} is given twice")
        try:
            k = float(number)
        except ValueError:
            raise ConfigurationError(f"{where}: {number!r} (for {gas}) is not a number") from None
        if not math.isfinite(k):
            raise ConfigurationError(f"{where}: {number!r} (for {gas}) is not a finite number")
        if nonnegative and k < 0:
            raise ConfigurationError(f"{where}: {number!r} (for {gas}) is negative; an amount is >= 0")
        out[gas] = k
    return out


class Co2AnalyserSim(SimBase):
    """An NDIR CO₂ analyser.

    Args:
        protocol: ``vaisala`` or ``senseair``.
        t90: time to reach 90 % of a step, s (0 = instantaneous).
        offset: zero offset, ppm.
        address: Modbus address (senseair; 0xFE is always accepted too).
        ppm: initially applied mole fraction, ppm.
        cross_sensitivity: ppm CO₂ shown per unit of each interferent gas (unit of its cylinder), by gas
            formula (``{"CO": 0.002, "H2O": 5.0}``); gases not named have none.
        interferents: initially applied interferents (gas → amount), see :meth:`apply_gas`.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.

    Raises:
        ConfigurationError: unknown protocol, negative T90, bad address, or a bad cross-sensitivity.
    """

    name = "co2-analyser"

    def __init__(
        self,
        protocol: str = "vaisala",
        *,
        t90: float = 20.0,
        offset: float = 0.0,
        address: int = 0x68,
        ppm: float = 0.0,
        cross_sensitivity: Mapping[str, float] | None = None,
        interferents: Mapping[str, float] | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        if protocol not in PROTOCOLS:
            raise ConfigurationError(f"analyser protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if t90 < 0:
            raise ConfigurationError(f"T90 must be >= 0 s, got {t90!r}")
        if not 1 <= address <= 247:
            raise ConfigurationError(f"Modbus address must be 1..247, got {address!r}")
        self.protocol = protocol
        self.t90 = t90
        self.offset = offset
        self.address = address
        self._applied = float(ppm)
        self._sensor = float(ppm)
        self.cross_sensitivity: dict[str, float] = _checked_sensitivity(cross_sensitivity)
        self._interferents = _checked_amounts(interferents)
        self._x_sensor = self._x_applied()
        self._t = self.clock.now()
        self._framer: Framer = (
            TerminatorFramer(b"\r", max_length=64)
            if protocol == "vaisala"
            else LengthFramer(rtu.request_length, max_length=256)
        )

    @property
    def framer(self) -> Framer:
        return self._framer

    def _advance(self) -> None:
        now = self.clock.now()
        dt = max(0.0, now - self._t)
        x_applied = self._x_applied()
        if self.t90 == 0:
            self._sensor = self._applied
            self._x_sensor = x_applied
        else:
            tau = self.t90 / math.log(10.0)
            share = 1.0 - math.exp(-dt / tau)
            self._sensor += (self._applied - self._sensor) * share
            self._x_sensor += (x_applied - self._x_sensor) * share
        self._t = now

    def _x_applied(self) -> float:
        """Σ kᵢ xᵢ of the interferents applied now (ppm CO₂ as shown)."""
        return sum(self.cross_sensitivity.get(gas, 0.0) * x for gas, x in self._interferents.items())

    def apply_gas(self, ppm: float, interferents: Mapping[str, float] | None = None) -> None:
        """Apply a gas of ``ppm`` CO₂ (with ``interferents``: gas → amount) to the inlet from now on.

        Args:
            ppm: CO₂ mole fraction, ppm.
            interferents: Other gases in the applied gas, by formula, each in the unit of its cylinder
                (the unit the cross-sensitivity is per); None or empty: none. They replace those
                applied before.

        Raises:
            ConfigurationError: negative mole fraction or amount, or a bad gas name.
        """
        if ppm < 0:
            raise ConfigurationError(f"applied CO2 must be >= 0 ppm, got {ppm!r}")
        mix = _checked_amounts(interferents)
        with self.lock:
            self._advance()
            self._applied = float(ppm)
            self._interferents = mix

    def indicated(self) -> float:
        """What the analyser shows now (response, gain error, cross-sensitivity, offset; no noise)."""
        with self.lock:
            self._advance()
            return self.with_error(self._sensor) + self._x_sensor + self.offset

    def _reading(self) -> float:
        with self.lock:
            self._advance()
            return max(0.0, self.noisy(self.with_error(self._sensor) + self._x_sensor) + self.offset)

    def handle(self, request: bytes) -> bytes | None:
        if self.protocol == "vaisala":
            try:
                text = request.decode("ascii").strip().upper()
            except UnicodeDecodeError:
                return b"Unknown command\r\n"
            if text == "SEND" or text == f"SEND {self.address}":
                return ndir_co2.format_vaisala_line(self._reading())
            return b"Unknown command\r\n"
        try:
            req = rtu.decode_request(request)
        except ProtocolError:
            return None
        if req.slave not in (self.address, 0xFE):
            return None
        if req.function != rtu.READ_INPUT:
            return rtu.encode_exception(req.slave, req.function, 0x01)
        if req.address + req.count > 4 or req.count < 1:
            return rtu.encode_exception(req.slave, req.function, 0x02)
        image = [0, 0, 0, min(0xFFFF, round(self._reading()))]
        return rtu.encode_registers_reply(
            req.slave, req.function, image[req.address : req.address + req.count]
        )


def _factory(ctx: SimContext) -> Co2AnalyserSim:
    return Co2AnalyserSim(
        str(ctx.option("protocol", "vaisala")),
        t90=float(ctx.option("t90", 20.0)),
        offset=float(ctx.option("offset", 0.0)),
        ppm=float(ctx.option("ppm", 400.0)),
        cross_sensitivity=parse_gas_values(ctx.option("cross_sensitivity"), flag="--cross-sensitivity"),
        interferents=parse_gas_values(ctx.option("interferents"), flag="--interferents", nonnegative=True),
        clock=ctx.clock,
        rng=ctx.rng,
        error_percent=ctx.error_percent,
        noise_percent=ctx.noise_percent,
    )


SIM_ENTRIES = (
    SimEntry(
        "co2-analyser",
        "NDIR CO2 analyser (Vaisala SEND or Senseair Modbus); first-order response with T90",
        _factory,
        (
            Option("--protocol", "serial protocol", str, "vaisala", PROTOCOLS),
            Option("--t90", "response time T90 in s", float, 20.0),
            Option("--offset", "zero offset in ppm", float, 0.0),
            Option("--ppm", "applied CO2 mole fraction in ppm", float, 400.0),
            Option(
                "--cross-sensitivity",
                "GAS=K[,GAS=K...], e.g. CO=0.002,H2O=5: ppm CO2 shown per unit of interferent GAS "
                "(unit of its cylinder: ppm of CO, percent of H2O ...), reached with the same T90 as CO2; "
                "items separated by commas, GAS a formula, K a number",
            ),
            Option(
                "--interferents",
                "GAS=X[,GAS=X...], e.g. CO=1000: interferents applied with --ppm (same grammar; X >= 0 in "
                "the unit --cross-sensitivity is per); in-process programs change them with apply_gas",
            ),
        ),
    ),
)

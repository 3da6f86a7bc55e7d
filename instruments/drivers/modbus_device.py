"""Generic Modbus RTU device described by a declarative register map.

A :class:`RegisterSpec` says where a quantity lives (register, holding or input), how it is encoded
(``int16``, ``uint16``, ``int32``, ``uint32``, ``float32``), the word order of 32-bit values, its unit
(a pint string) and scale (``value = raw × scale``), and, for writable ones, limits. Writes outside the
limits raise :class:`~instruments.errors.ConfigurationError`; nothing is clipped.

:data:`FLOWMETER_MAP` describes the input registers of :class:`instruments.sim.modbus.ModbusSlaveSim`
(and of flowmeters with the same layout).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pint

from instruments.drivers.base import Driver, Reading
from instruments.errors import ConfigurationError
from instruments.link import SerialLink
from instruments.modbus_client import ModbusClient
from instruments.protocols import modbus_rtu as rtu
from instruments.registry import DriverEntry, LineDefaults, Option

__all__ = ["DRIVER_ENTRIES", "FLOWMETER_MAP", "ModbusDevice", "RegisterSpec"]

RegType = Literal["int16", "uint16", "int32", "uint32", "float32"]
_WIDTH = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}


@dataclass(frozen=True)
class RegisterSpec:
    """Where and how one quantity is held.

    Attributes:
        name: quantity name used in readings (``"flow_rate"``).
        register: first register, 0-based protocol address.
        type: encoding.
        unit: pint-parsable unit of the scaled value.
        scale: engineering value = raw × scale.
        word_order: order of 32-bit values (ABCD, CDAB, BADC, DCBA).
        function: 3 (holding) or 4 (input).
        writable: may be written (holding registers only).
        minimum, maximum: limits of writable values (engineering units), inclusive.
    """

    name: str
    register: int
    type: RegType = "uint16"
    unit: str = "dimensionless"
    scale: float = 1.0
    word_order: str = "ABCD"
    function: int = rtu.READ_HOLDING
    writable: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.type not in _WIDTH:
            raise ConfigurationError(
                f"register {self.name!r}: unknown type {self.type!r}; use {sorted(_WIDTH)}"
            )
        if self.function not in (rtu.READ_HOLDING, rtu.READ_INPUT):
            raise ConfigurationError(
                f"register {self.name!r}: function must be 3 or 4, got {self.function!r}"
            )
        if self.writable and self.function != rtu.READ_HOLDING:
            raise ConfigurationError(f"register {self.name!r}: only holding registers are writable")
        if not 0 <= self.register <= 0xFFFF - (self.width - 1):
            raise ConfigurationError(f"register {self.name!r}: address {self.register!r} out of range")
        if self.scale == 0:
            raise ConfigurationError(f"register {self.name!r}: scale must not be 0")
        rtu.float32_to_registers(0.0, self.word_order)  # validates the word order
        try:
            pint.get_application_registry().Unit(self.unit)  # type: ignore[no-untyped-call]
        except Exception as exc:
            raise ConfigurationError(
                f"register {self.name!r}: unit {self.unit!r} is not a pint unit"
            ) from exc

    @property
    def width(self) -> int:
        """Registers occupied (1 or 2)."""
        return _WIDTH[self.type]

    def decode(self, regs: Sequence[int]) -> float:
        """Engineering value from the raw registers."""
        t = self.type
        raw: float
        if t == "uint16":
            raw = regs[0]
        elif t == "int16":
            raw = rtu.register_to_int16(regs[0])
        elif t == "uint32":
            raw = rtu.registers_to_uint32(regs, self.word_order)
        elif t == "int32":
            raw = rtu.registers_to_int32(regs, self.word_order)
        else:
            raw = rtu.registers_to_float32(regs, self.word_order)
        return raw * self.scale

    def encode(self, value: float) -> list[int]:
        """Raw registers for an engineering ``value`` (checked against limits and the type's range).

        Raises:
            ConfigurationError: not writable, outside the limits, or not representable.
        """
        if not self.writable:
            raise ConfigurationError(f"register {self.name!r} is read-only")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ConfigurationError(
                f"{self.name} = {value} {self.unit} is outside the allowed range "
                f"{self.minimum}..{self.maximum} {self.unit}"
            )
        raw = value / self.scale
        t = self.type
        if t == "float32":
            return rtu.float32_to_registers(raw, self.word_order)
        if abs(raw - round(raw)) > 1e-9 * max(1.0, abs(raw)):
            raise ConfigurationError(
                f"{self.name} = {value} is not a multiple of the resolution {self.scale}"
            )
        n = round(raw)
        if t == "uint16":
            if not 0 <= n <= 0xFFFF:
                raise ConfigurationError(f"{self.name} = {value} does not fit uint16")
            return [n]
        if t == "int16":
            return [rtu.int16_to_register(n)]
        if t == "uint32":
            return rtu.uint32_to_registers(n, self.word_order)
        return rtu.int32_to_registers(n, self.word_order)


#: Input registers of the simulated flowmeter (instruments.sim.modbus).
FLOWMETER_MAP: tuple[RegisterSpec, ...] = (
    RegisterSpec("flow_rate", 0, "float32", "m**3/h", function=rtu.READ_INPUT),
    RegisterSpec("volume", 2, "float32", "m**3", function=rtu.READ_INPUT),
    RegisterSpec("volume_litres", 4, "uint32", "L", function=rtu.READ_INPUT),
    RegisterSpec("temperature", 6, "int16", "degC", scale=0.01, function=rtu.READ_INPUT),
)


class ModbusDevice(Driver):
    """A Modbus RTU slave read and written through a register map.

    Args:
        link: the serial link.
        slave: slave address 1..247.
        registers: the register map.
        client: a :class:`ModbusClient` to share (default: a new one on ``link``).
        name: device name for messages and readings.

    Raises:
        ConfigurationError: bad slave address or duplicate register names.
    """

    def __init__(
        self,
        link: SerialLink,
        slave: int,
        registers: Sequence[RegisterSpec] = FLOWMETER_MAP,
        *,
        client: ModbusClient | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(link, name or f"modbus:{slave}")
        if not 1 <= slave <= 247:
            raise ConfigurationError(f"Modbus slave address must be 1..247, got {slave!r}")
        self.slave = slave
        self.registers: dict[str, RegisterSpec] = {}
        for spec in registers:
            if spec.name in self.registers:
                raise ConfigurationError(f"register map names {spec.name!r} twice")
            self.registers[spec.name] = spec
        self.client = client if client is not None else ModbusClient(link)

    def _spec(self, name: str) -> RegisterSpec:
        try:
            return self.registers[name]
        except KeyError:
            raise ConfigurationError(
                f"{self.name} has no register {name!r}; known: {', '.join(self.registers)}"
            ) from None

    def read(self, name: str) -> Reading:
        """Read one quantity of the map."""
        spec = self._spec(name)
        tx = self.client.read_registers(self.slave, spec.register, spec.width, spec.function)
        return self._reading(spec.name, spec.decode(tx.values), spec.unit, tx.frames)

    def read_all(self) -> list[Reading]:
        """Every quantity, reading each contiguous block of the same function in one request."""
        out: list[Reading] = []
        for function in (rtu.READ_HOLDING, rtu.READ_INPUT):
            specs = sorted(
                (s for s in self.registers.values() if s.function == function), key=lambda s: s.register
            )
            i = 0
            while i < len(specs):
                j = i
                while (
                    j + 1 < len(specs)
                    and specs[j + 1].register == specs[j].register + specs[j].width
                    and specs[j + 1].register + specs[j + 1].width - specs[i].register <= 125
                ):
                    j += 1
                start = specs[i].register
                count = specs[j].register + specs[j].width - start
                tx = self.client.read_registers(self.slave, start, count, function)
                for s in specs[i : j + 1]:
                    off = s.register - start
                    out.append(
                        self._reading(s.name, s.decode(tx.values[off : off + s.width]), s.unit, tx.frames)
                    )
                i = j + 1
        return out

    def write(self, name: str, value: float) -> None:
        """Write a writable quantity (validated; never clipped)."""
        spec = self._spec(name)
        regs = spec.encode(value)
        if len(regs) == 1:
            self.client.write_register(self.slave, spec.register, regs[0])
        else:
            self.client.write_registers(self.slave, spec.register, regs)


def _read(link: SerialLink, options: Mapping[str, Any]) -> list[Reading]:
    address = options.get("address")
    slave = int(address) if address is not None else 1
    register = options.get("register")
    if register is None:
        return ModbusDevice(link, slave).read_all()
    count = int(options.get("count") or 1)
    fc = rtu.READ_INPUT if options.get("input") == "yes" else rtu.READ_HOLDING
    client = ModbusClient(link)
    tx = client.read_registers(slave, int(register), count, fc)
    drv = ModbusDevice(link, slave, (), client=client)
    kind = "input" if fc == rtu.READ_INPUT else "holding"
    return [
        drv._reading(f"{kind}_register_{int(register) + i}", float(v), "dimensionless", tx.frames)
        for i, v in enumerate(tx.values)
    ]


DRIVER_ENTRIES = (
    DriverEntry(
        "modbus",
        "generic Modbus RTU device (FC03/04); without --register reads the flowmeter map",
        LineDefaults(baudrate=9600, parity="N", timeout=0.5, inter_byte_timeout=0.05, retries=2),
        _read,
        (
            Option("--register", "first register (0-based); omit to read the flowmeter map", int, None),
            Option("--count", "number of registers to read", int, 1),
            Option(
                "--input",
                "read input registers (FC04) instead of holding (FC03): yes/no",
                str,
                None,
                ("yes", "no"),
            ),
        ),
        address_help="slave address 1..247 (default 1)",
    ),
)

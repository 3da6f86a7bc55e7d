"""Bench files: a named set of instruments in roles, and opening them by role.

A bench file is YAML::

    name: water bench 1
    instruments:
      dut:     {driver: cjt188, port: /dev/ttyUSB0, baud: 2400, parity: E, address: "20261201000162"}
      balance: {driver: mtsics-balance, port: /dev/ttyUSB1, capacity: 3000000, resolution: 20}
      climate: {driver: manual}
    standards:
      balance: DEMO-BAL-3T          # serial of the standard equipment serving in that role

``driver`` is a name from ``calib read --list`` (the instruments registry) or ``manual`` (readings are
typed in). ``baud``, ``parity``, ``stopbits`` and ``timeout`` override the protocol's usual line settings;
the other keys are driver options (``address``, ``capacity``, ``span_ppm`` ...). ``standards`` names, by
role, the standard equipment (by serial) whose certificate of the day enters the budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from calib_service.errors import RecordValidationError
from instruments import registry
from instruments.clock import Clock
from instruments.drivers.cjt188_meter import KINDS, Cjt188Meter
from instruments.drivers.co2_analyser import Co2Analyser
from instruments.drivers.dlt645 import DLT645Meter
from instruments.drivers.mbus_heat_meter import MbusHeatMeter
from instruments.drivers.meter_bench import MeterBench
from instruments.drivers.mfc import MassFlowController
from instruments.drivers.modbus_device import ModbusDevice
from instruments.drivers.mtsics_balance import MtSicsBalance
from instruments.drivers.scpi_dmm import ScpiDmm
from instruments.errors import InstrumentError, LinkDown
from instruments.link import SerialLink

__all__ = ["MANUAL", "Bench", "InstrumentSpec", "load_bench", "open_instruments", "parse_bench"]

#: Driver name of a role whose readings are typed in.
MANUAL = "manual"

_LINE_KEYS = {"baud": "baudrate", "parity": "parity", "stopbits": "stopbits", "timeout": "timeout"}
_KNOWN_KEYS = {"driver", "port", "address", *_LINE_KEYS}


@dataclass(frozen=True)
class InstrumentSpec:
    """One instrument of a bench.

    Attributes:
        role: The role it plays (``dut``, ``balance``, ``analyser`` ...).
        driver: Registry driver name, or ``manual``.
        port: Serial port (None for manual roles).
        address: Device address on its bus, as text (None: the driver's default).
        line: Line-setting overrides (``baudrate``, ``parity``, ``stopbits``, ``timeout``).
        options: Other driver options.
    """

    role: str
    driver: str
    port: str | None = None
    address: str | None = None
    line: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def manual(self) -> bool:
        """True when the role's readings are typed in."""
        return self.driver == MANUAL


@dataclass(frozen=True)
class Bench:
    """A named set of instruments in roles.

    Attributes:
        name: Bench name (stored with the calibration).
        instruments: Instruments by role.
        standards: Serial of the standard equipment serving in each role.
        source: Where the bench was read from (for messages).
    """

    name: str
    instruments: dict[str, InstrumentSpec]
    standards: dict[str, str] = field(default_factory=dict)
    source: str = "<bench>"

    def check_roles(self, *, required: tuple[str, ...], known: tuple[str, ...], procedure: str) -> None:
        """Check that the bench has every required role and no role the procedure does not know.

        Args:
            required: Roles the procedure cannot run without.
            known: Every role the procedure uses.
            procedure: Procedure code (for the message).

        Raises:
            RecordValidationError: a role is missing or unknown.
        """
        for role in self.instruments:
            if role not in known:
                raise RecordValidationError(
                    f"{self.source}: role {role!r} is not used by {procedure}; "
                    f"its roles are {', '.join(known)}"
                )
        for role in required:
            if role not in self.instruments:
                raise RecordValidationError(
                    f"{self.source}: {procedure} needs an instrument in role {role!r} "
                    f"(add it under instruments:, with driver: manual if it is read by eye)"
                )


def _spec(role: str, raw: Any, source: str) -> InstrumentSpec:
    if not isinstance(raw, Mapping):
        raise RecordValidationError(f"{source}: instruments.{role} must be a mapping with at least 'driver'")
    drv = raw.get("driver")
    if not isinstance(drv, str) or not drv:
        raise RecordValidationError(
            f"{source}: instruments.{role} has no 'driver' (a driver name or 'manual')"
        )
    if drv != MANUAL:
        try:
            registry.driver(drv)
        except InstrumentError as exc:
            raise RecordValidationError(f"{source}: instruments.{role}: {exc}") from None
        port = raw.get("port")
        if not isinstance(port, str) or not port:
            raise RecordValidationError(
                f"{source}: instruments.{role} ({drv}) has no 'port'; give the serial port, e.g. /dev/ttyUSB0"
            )
    line = {_LINE_KEYS[k]: raw[k] for k in _LINE_KEYS if raw.get(k) is not None}
    if "parity" in line and line["parity"] not in ("N", "E", "O"):
        raise RecordValidationError(
            f"{source}: instruments.{role}.parity must be N, E or O, got {line['parity']!r}"
        )
    address = raw.get("address")
    return InstrumentSpec(
        role=role,
        driver=drv,
        port=None if drv == MANUAL else str(raw.get("port")),
        address=None if address is None else str(address),
        line=line,
        options={k: v for k, v in raw.items() if k not in _KNOWN_KEYS},
    )


def parse_bench(data: Any, *, source: str = "<bench>") -> Bench:
    """Build a :class:`Bench` from parsed YAML.

    Args:
        data: The mapping read from the file.
        source: File name for messages.

    Returns:
        The bench.

    Raises:
        RecordValidationError: the structure is wrong (the message names the key to fix).
    """
    if not isinstance(data, Mapping):
        raise RecordValidationError(f"{source}: a bench file is a mapping with 'name' and 'instruments'")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RecordValidationError(f"{source}: bench has no 'name'")
    raw = data.get("instruments")
    if not isinstance(raw, Mapping) or not raw:
        raise RecordValidationError(f"{source}: 'instruments' must map each role to its instrument")
    instruments = {str(role): _spec(str(role), spec, source) for role, spec in raw.items()}
    standards_raw = data.get("standards") or {}
    if not isinstance(standards_raw, Mapping):
        raise RecordValidationError(f"{source}: 'standards' must map roles to equipment serials")
    standards = {str(k): str(v) for k, v in standards_raw.items()}
    return Bench(name=name.strip(), instruments=instruments, standards=standards, source=source)


def load_bench(path: str | Path) -> Bench:
    """Read a bench file.

    Args:
        path: The YAML file.

    Returns:
        The bench.

    Raises:
        RecordValidationError: the file is missing, not YAML, or not a valid bench.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordValidationError(f"bench file {p}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise RecordValidationError(f"bench file {p}: not valid YAML{at}") from None
    return parse_bench(data, source=str(p))


def _opt(spec: InstrumentSpec, name: str, default: Any, kind: Callable[[Any], Any] = float) -> Any:
    value = spec.options.get(name, default)
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RecordValidationError(
            f"instrument in role {spec.role!r}: option {name} = {value!r} is not a valid {kind.__name__}"
        ) from None


def _build(spec: InstrumentSpec, link: SerialLink, clock: Clock) -> Any:
    d, a = spec.driver, spec.address
    if d == "meter-bench":
        return MeterBench(link, clock=clock, poll_s=_opt(spec, "poll_s", 0.5))
    if d == "dlt645":
        return DLT645Meter(link, a or "AAAAAAAAAAAA")
    if d == "cjt188":
        kind = str(spec.options.get("kind", "water"))
        if kind not in KINDS:
            raise RecordValidationError(f"role {spec.role!r}: cjt188 kind must be one of {', '.join(KINDS)}")
        order: Literal["msb", "lsb"] = "lsb" if spec.options.get("di_order") == "lsb" else "msb"
        return Cjt188Meter(link, a or "AAAAAAAAAAAAAA", meter_type=KINDS[kind], di_order=order)
    if d == "mbus":
        return MbusHeatMeter(link, int(a) if a else 254)
    if d == "mtsics-balance":
        return MtSicsBalance(
            link,
            capacity=_opt(spec, "capacity", 6200.0),
            resolution=_opt(spec, "resolution", 0.01),
            unit=str(spec.options.get("unit", "g")),
            stable_timeout=_opt(spec, "stable_timeout", 10.0),
            clock=clock,
        )
    if d == "co2-analyser":
        return Co2Analyser(
            link,
            str(spec.options.get("protocol", "vaisala")),
            address=int(a) if a else 0xFE,
            span_ppm=_opt(spec, "span_ppm", 10000.0),
        )
    if d == "mfc":
        return MassFlowController(link, a or "A", full_scale=_opt(spec, "full_scale", 5.0))
    if d == "modbus":
        return ModbusDevice(link, int(a) if a else 1)
    if d == "scpi-dmm":
        return ScpiDmm(link)
    raise RecordValidationError(f"role {spec.role!r}: driver {d!r} cannot serve in a calibration run yet")


@contextmanager
def open_instruments(bench: Bench, *, roles: tuple[str, ...], clock: Clock) -> Iterator[dict[str, Any]]:
    """Open the serial instruments of ``bench`` in ``roles``; manual roles map to None.

    Args:
        bench: The bench.
        roles: The roles to open (those the procedure uses and the bench has).
        clock: The run's clock (settling, stable-weight waits, reopen back-off).

    Yields:
        Driver objects by role (None for manual roles).

    Raises:
        LinkDown: a port could not be opened (the message names the role, driver and port).
        RecordValidationError: a driver option is invalid.
    """
    with ExitStack() as stack:
        opened: dict[str, Any] = {}
        for role in roles:
            spec = bench.instruments.get(role)
            if spec is None:
                continue
            if spec.manual:
                opened[role] = None
                continue
            assert spec.port is not None
            entry = registry.driver(spec.driver)
            settings = entry.line.settings(spec.port, **spec.line)
            link = SerialLink(settings, clock=clock)
            try:
                link.open()
            except InstrumentError as exc:
                raise LinkDown(
                    f"bench {bench.name!r}: role {role!r} ({spec.driver}) on port {spec.port}: {exc}"
                ) from None
            stack.callback(link.close)
            opened[role] = _build(spec, link, clock)
        yield opened

"""The simulators and drivers that ``calib sim`` and ``calib read`` know, as small declarative records.

Each simulator module under :mod:`instruments.sim` may define ``SIM_ENTRIES: tuple[SimEntry, ...]`` and
each driver module under :mod:`instruments.drivers` ``DRIVER_ENTRIES: tuple[DriverEntry, ...]``; the
registry discovers them, so adding a device means adding one record next to its code, not editing a
central list. :func:`register_simulator` / :func:`register_driver` add entries at run time.

The records are CLI-agnostic (no argparse here): ``api.commands.sim`` / ``api.commands.read`` turn each
:class:`Option` into a command-line flag.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from instruments.clock import Clock
from instruments.drivers.base import Reading
from instruments.errors import ConfigurationError
from instruments.link import LinkSettings, Parity, SerialLink
from instruments.sim.base import SimDevice

__all__ = [
    "DriverEntry",
    "LineDefaults",
    "Option",
    "SimContext",
    "SimEntry",
    "driver",
    "drivers",
    "load_errors",
    "register_driver",
    "register_simulator",
    "simulator",
    "simulators",
]

#: Order of ``--list`` output; devices not named here follow alphabetically.
PREFERRED_ORDER: tuple[str, ...] = (
    "modbus", "dlt645", "cjt188", "mbus", "mtsics-balance", "scpi-dmm", "mfc", "co2-analyser", "meter-bench",
)


@dataclass(frozen=True)
class Option:
    """A device-specific option (becomes ``--flag`` on the command line).

    Attributes:
        flag: the long flag, e.g. ``"--id"``.
        help: one line for ``--help`` and ``--list``.
        type: converts the command-line string (``str``, ``int``, ``float`` or a parser function).
        default: value when the flag is not given.
        choices: allowed values, if restricted.
    """

    flag: str
    help: str
    type: Callable[[str], Any] = str
    default: Any = None
    choices: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if not self.flag.startswith("--"):
            raise ConfigurationError(f"option flag must start with '--', got {self.flag!r}")

    @property
    def dest(self) -> str:
        """The attribute/key name: ``--error-percent`` → ``error_percent``."""
        return self.flag[2:].replace("-", "_")


@dataclass(frozen=True)
class SimContext:
    """What every simulator factory receives.

    Attributes:
        clock: device time (scaled by ``--time-scale``).
        rng: seeded random source (``--seed``).
        error_percent: systematic error of the simulated device (``--error-percent``).
        noise_percent: relative noise of its readings (``--noise-percent``).
        options: the device options, keyed by :attr:`Option.dest`.
    """

    clock: Clock
    rng: random.Random
    error_percent: float = 0.0
    noise_percent: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        """One option value (``default`` when absent or None)."""
        v = self.options.get(name)
        return default if v is None else v


@dataclass(frozen=True)
class SimEntry:
    """A simulator ``calib sim NAME`` can serve.

    Attributes:
        name: the device name on the command line (``dlt645``, ``meter-bench`` …).
        description: one line for ``--list``.
        factory: builds the simulated device from a :class:`SimContext`.
        options: device-specific options.
    """

    name: str
    description: str
    factory: Callable[[SimContext], SimDevice]
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class LineDefaults:
    """A protocol's usual line settings and timing (the defaults of ``calib read``)."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: Parity = "N"
    stopbits: float = 1
    timeout: float = 1.0
    inter_byte_timeout: float | None = 0.5
    retries: int = 2

    def settings(self, port: str, **overrides: Any) -> LinkSettings:
        """LinkSettings for ``port`` with these defaults, overridden by non-None ``overrides``."""
        kw: dict[str, Any] = {
            "baudrate": self.baudrate,
            "bytesize": self.bytesize,
            "parity": self.parity,
            "stopbits": self.stopbits,
            "timeout": self.timeout,
            "inter_byte_timeout": self.inter_byte_timeout,
            "retries": self.retries,
        }
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return LinkSettings(port, **kw)


@dataclass(frozen=True)
class DriverEntry:
    """A driver ``calib read NAME`` can use.

    Attributes:
        name: the driver name on the command line.
        description: one line for ``--list``.
        line: the protocol's usual line settings.
        read: ``read(link, options) -> readings``; ``options`` holds the driver options by
            :attr:`Option.dest` plus ``"address"`` (the ``--address`` value or None).
        options: driver-specific options.
        address_help: help text of ``--address`` (what an address looks like for this protocol).
    """

    name: str
    description: str
    line: LineDefaults
    read: Callable[[SerialLink, Mapping[str, Any]], Sequence[Reading]]
    options: tuple[Option, ...] = ()
    address_help: str = "device address"


_lock = threading.Lock()
_sims: dict[str, SimEntry] = {}
_drivers: dict[str, DriverEntry] = {}
_errors: dict[str, str] = {}
_loaded = False


def register_simulator(entry: SimEntry) -> None:
    """Add (or replace) a simulator entry."""
    with _lock:
        _sims[entry.name] = entry


def register_driver(entry: DriverEntry) -> None:
    """Add (or replace) a driver entry."""
    with _lock:
        _drivers[entry.name] = entry


def _discover() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for package, attr in (("instruments.sim", "SIM_ENTRIES"), ("instruments.drivers", "DRIVER_ENTRIES")):
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            modname = f"{package}.{info.name}"
            try:
                module = importlib.import_module(modname)
            except Exception as exc:  # one broken module must not hide the others
                _errors[modname] = f"{type(exc).__name__}: {exc}"
                continue
            for entry in getattr(module, attr, ()):
                if isinstance(entry, SimEntry):
                    register_simulator(entry)
                elif isinstance(entry, DriverEntry):
                    register_driver(entry)


def _ordered(names: Sequence[str]) -> list[str]:
    rank = {n: i for i, n in enumerate(PREFERRED_ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def simulators() -> list[SimEntry]:
    """All simulator entries, in ``--list`` order."""
    _discover()
    with _lock:
        return [_sims[n] for n in _ordered(list(_sims))]


def drivers() -> list[DriverEntry]:
    """All driver entries, in ``--list`` order."""
    _discover()
    with _lock:
        return [_drivers[n] for n in _ordered(list(_drivers))]


def simulator(name: str) -> SimEntry:
    """The simulator entry called ``name``.

    Raises:
        ConfigurationError: no such simulator (the message lists the known ones).
    """
    _discover()
    with _lock:
        if name in _sims:
            return _sims[name]
    known = ", ".join(e.name for e in simulators())
    raise ConfigurationError(f"unknown simulated device {name!r}; known devices: {known}")


def driver(name: str) -> DriverEntry:
    """The driver entry called ``name``.

    Raises:
        ConfigurationError: no such driver (the message lists the known ones).
    """
    _discover()
    with _lock:
        if name in _drivers:
            return _drivers[name]
    known = ", ".join(e.name for e in drivers())
    raise ConfigurationError(f"unknown driver {name!r}; known drivers: {known}")


def load_errors() -> dict[str, str]:
    """Modules that failed to import during discovery (module → error), for diagnostics."""
    _discover()
    return dict(_errors)

"""The procedures ``calib run`` and ``calib procedures`` know: code → module, roles, classes, run function.

Each entry names the procedure's data module (limits, environment, titles), the roles a bench may fill
(``required`` ones first), the accuracy classes, and the run function that takes a
:class:`~calib_service.procedures.run_support.Station`. Short aliases (``jjg596``, ``water``...) are
accepted wherever a code is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType

from calib_service.benches import Bench
from calib_service.errors import RecordValidationError
from calib_service.procedures import (
    cems_co2,
    cems_co2_run,
    comparison,
    comparison_run,
    jjg162,
    jjg162_run,
    jjg225,
    jjg225_calc_run,
    jjg225_flow_run,
    jjg225_pair_run,
    jjg225_run,
    jjg577,
    jjg577_run,
    jjg596,
    jjg596_run,
    jjg635,
    jjg635_run,
)
from calib_service.procedures.run_support import Station

__all__ = ["ProcedureEntry", "entries", "lookup"]

RunFn = Callable[[Station], None]


@dataclass(frozen=True)
class ProcedureEntry:
    """One procedure as ``calib run`` sees it.

    Attributes:
        alias: Short name (``jjg596``).
        module: The data module (``CODE``, titles, ``FAMILY``, ``KIND``, ``DATA_VERSION``, ``ENVIRONMENT``).
        roles: Every bench role it uses, with what it is.
        required: Roles the bench must have.
        classes: Accuracy classes (empty for calibrations).
        run: The run function.
        default_class: Class used when none is given.
        ratings: Device ratings it needs (``--param``), with what they are.
        one_of: Groups of roles of which the bench must have at least one (method choice).
        summary: What is tested, when a regulation has several bench procedures (JJG 225 parts).
        check_standards: Checks the roles of the bench's ``standards`` (raises on a role the procedure
            does not use); None: the generic check, a standards role must be one of ``roles`` (the
            standard serving in that bench position) or of ``standard_roles``, and never ``dut``.
        standard_roles: Standards roles that are not bench positions (a gas cylinder, the zero gas).
        required_ratings: Ratings without a default: a run without them is refused before anything is
            stored.
        run_parameters: Keys of ``ratings`` that steer one run (repeats, tests to skip, test volume) and
            are therefore not stored with a new device; every other rating is.
    """

    alias: str
    module: ModuleType
    roles: Mapping[str, str]
    required: tuple[str, ...]
    classes: tuple[str, ...]
    run: RunFn
    default_class: str | None = None
    ratings: Mapping[str, str] = field(default_factory=dict)
    one_of: tuple[tuple[str, ...], ...] = ()
    summary: str = ""
    check_standards: Callable[[Bench], None] | None = None
    required_ratings: tuple[str, ...] = ()
    run_parameters: tuple[str, ...] = ()
    standard_roles: tuple[str, ...] = ()

    def missing_ratings(self, ratings: Mapping[str, float]) -> list[str]:
        """The names of the required ratings not in ``ratings``."""
        return [r for r in self.required_ratings if r not in ratings]

    def device_ratings(self, params: Mapping[str, float]) -> dict[str, float]:
        """The part of ``params`` stored with a new device: its ratings, not this run's parameters."""
        return {k: float(v) for k, v in params.items() if k in self.ratings and k not in self.run_parameters}

    def check_bench(self, bench: Bench) -> None:
        """Check the bench's roles against this procedure.

        Raises:
            RecordValidationError: a role missing or unknown, or none of a required group present.
        """
        bench.check_roles(required=self.required, known=tuple(self.roles), procedure=self.code)
        if self.check_standards is not None:
            self.check_standards(bench)
        else:
            allowed = [r for r in (*self.roles, *self.standard_roles) if r != "dut"]
            for role in bench.standards:
                if role not in allowed:
                    raise RecordValidationError(
                        f"{bench.source}: standards role {role!r} is not used by {self.code}; its standards "
                        f"roles are {', '.join(allowed)} (a misspelt role would leave its standard out of "
                        "the budget)"
                    )
        for group in self.one_of:
            if not any(role in bench.instruments for role in group):
                raise RecordValidationError(
                    f"{bench.source}: {self.code} needs one of the roles {' or '.join(group)} on the bench"
                )

    @property
    def code(self) -> str:
        """The regulation code."""
        return str(self.module.CODE)

    @property
    def kind(self) -> str:
        """``verification`` or ``calibration``."""
        return str(getattr(self.module, "KIND", "verification"))

    def check_environment(self, conditions: Mapping[str, float | None]) -> list[str]:
        """Problems with the recorded conditions (the module's ``check_environment``)."""
        check = getattr(self.module, "check_environment", None)
        return [] if check is None else list(check(conditions))

    def environment_quantities(self) -> list[tuple[str, str, bool]]:
        """(quantity, unit, required) of the regulation's environment limits."""
        limits = getattr(self.module, "ENVIRONMENT", ())
        return [(lim.quantity, lim.unit, lim.required) for lim in limits]


_ENTRIES: tuple[ProcedureEntry, ...] = (
    ProcedureEntry(
        "jjg596",
        jjg596,
        {
            "bench": "meter bench: source, reference standard meter, error calculator (meter-bench)",
            "dut": "meter under test, DL/T 645 (register before and after)",
            "climate": "ambient temperature and humidity",
        },
        ("bench",),
        jjg596.CLASSES,
        jjg596_run.run,
        "1",
        {
            "voltage": "reference voltage, V (220)",
            "basic_current": "Ib or In, A",
            "max_current": "Imax, A",
            "meter_constant": "imp/kWh",
            "repeats": "error tests per point (3)",
            "starting": "starting test after the load points: 1 run (default), 0 skip",
            "creep": "creep (no-load) test: 1 run (default), 0 skip",
            "phases": "measuring elements m (1)",
        },
        required_ratings=("basic_current", "max_current", "meter_constant"),
        run_parameters=("repeats", "starting", "creep"),
    ),
    ProcedureEntry(
        "jjg162",
        jjg162,
        jjg162.ROLES,
        jjg162_run.REQUIRED_ROLES,
        jjg162.CLASSES,
        jjg162_run.run,
        "2",
        {"q3": "Q3, m³/h", "ratio": "R = Q3/Q1"},
        (("balance", "reference"),),
        required_ratings=("q3", "ratio"),
    ),
    ProcedureEntry(
        "jjg577",
        jjg577,
        jjg577.ROLES,
        jjg577_run.REQUIRED_ROLES,
        jjg577.CLASSES,
        jjg577_run.run,
        "1.5",
        {
            "qmin": "qmin, m³/h",
            "qmax": "qmax, m³/h",
            "cyclic_volume_l": "marked cyclic volume V, L (the cyclic-volume test runs when given)",
            "cycles": "cycles counted for the cyclic volume (10)",
            "pressure_loss": "pressure-loss test at qmax: 1 run (default), 0 skip",
        },
        required_ratings=("qmin", "qmax"),
        run_parameters=("cycles", "pressure_loss"),
    ),
    ProcedureEntry(
        "jjg225",
        jjg225,
        jjg225.ROLES,
        jjg225_run.REQUIRED_ROLES,
        jjg225.CLASSES,
        jjg225_run.run,
        "2",
        {"qi": "qi, m³/h", "qp": "qp, m³/h", "heat_coefficient": "k, kWh/(m³·K)"},
        summary="complete heat meter",
        required_ratings=("qi", "qp", "heat_coefficient"),
    ),
    ProcedureEntry(
        jjg225_flow_run.ALIAS,
        jjg225,
        {r: jjg225.ROLES[r] for r in ("dut", "reference", "climate")},
        jjg225_flow_run.REQUIRED_ROLES,
        jjg225.CLASSES,
        jjg225_flow_run.run,
        "2",
        jjg225_flow_run.RATINGS,
        summary="flow sensor (sub-assembly)",
        required_ratings=("qi", "qp"),
        run_parameters=("test_volume_l",),
    ),
    ProcedureEntry(
        jjg225_pair_run.ALIAS,
        jjg225,
        {r: jjg225.ROLES[r] for r in ("dut", "thermometers", "climate")},
        jjg225_pair_run.REQUIRED_ROLES,
        jjg225.CLASSES,
        jjg225_pair_run.run,
        "2",
        jjg225_pair_run.RATINGS,
        summary="temperature-sensor pair (sub-assembly)",
        run_parameters=("return_temperature",),
    ),
    ProcedureEntry(
        jjg225_calc_run.ALIAS,
        jjg225,
        {r: jjg225.ROLES[r] for r in ("dut", "simulator", "climate")},
        jjg225_calc_run.REQUIRED_ROLES,
        jjg225.CLASSES,
        jjg225_calc_run.run,
        "2",
        jjg225_calc_run.RATINGS,
        summary="calculator (sub-assembly)",
        run_parameters=("return_temperature",),
    ),
    ProcedureEntry(
        "jjg635",
        jjg635,
        {
            **jjg635.ROLES,
            "mfc": "mass-flow controller of the cylinder gas (dilution)",
            "mfc_diluent": "mass-flow controller of the zero gas (dilution)",
        },
        jjg635_run.REQUIRED_ROLES,
        jjg635.CLASSES,
        jjg635_run.run,
        "2",
        {"span": "range, ppm"},
        check_standards=jjg635_run.check_standards,
        required_ratings=("span",),
    ),
    ProcedureEntry(
        "cems_co2",
        cems_co2,
        {
            **cems_co2.ROLES,
            "mfc": "mass-flow controller of the cylinder gas (dilution)",
            "mfc_diluent": "mass-flow controller of the zero gas (dilution)",
        },
        cems_co2_run.REQUIRED_ROLES,
        tuple(cems_co2.PROFILES),
        cems_co2_run.run,
        "HJ75",
        {"span": "range, ppm"},
        required_ratings=("span",),
        standard_roles=("cylinder", "zero_gas"),
    ),
    ProcedureEntry(
        "comparison",
        comparison,
        comparison.ROLES,
        comparison_run.REQUIRED_ROLES,
        (),
        comparison_run.run,
        None,
        {},
    ),
)


def entries() -> list[ProcedureEntry]:
    """Every procedure, in ``calib procedures`` order."""
    return list(_ENTRIES)


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def lookup(name: str) -> ProcedureEntry:
    """The procedure called ``name``: its code (``"JJG 162-2019"``), alias (``jjg162``) or family (``water``).

    Raises:
        RecordValidationError: no such procedure (the message lists them).
    """
    wanted = _norm(name)
    for e in _ENTRIES:
        names = (e.alias, e.code, e.code.split("-")[0], str(e.module.FAMILY))
        if wanted in {_norm(n) for n in names}:
            return e
    known = ", ".join(f"{e.alias} ({e.code})" for e in _ENTRIES)
    raise RecordValidationError(f"unknown procedure {name!r}; known procedures: {known}")

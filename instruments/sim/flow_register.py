"""The register state of a simulated water or heat meter: volume and heat integrated over the applied flow.

Shared by the CJ/T 188 and M-Bus meter simulators. The meter integrates the applied flow (m³/h) over
its clock into a true volume (m³) and, with the supply and return temperatures, a true heat
ρ·c·q·ΔT (kWh). What the register shows (with the device's error and noise) is up to each protocol.
"""

from __future__ import annotations

from instruments.errors import ConfigurationError
from instruments.sim.base import SimBase

__all__ = ["WATER_KWH_PER_M3K", "FlowRegisterSim"]

#: Volumetric heat capacity of water, kWh/(m³·K) (≈ 4.16 MJ/(m³·K)).
WATER_KWH_PER_M3K = 1.156


def _check_flow(m3_per_h: float) -> None:
    if m3_per_h < 0:
        raise ConfigurationError(f"applied flow must be >= 0 m3/h, got {m3_per_h!r}")


class FlowRegisterSim(SimBase):
    """A simulator whose volume and heat registers advance with the applied flow and temperatures.

    A subclass calls :meth:`_start_flow` in its ``__init__`` (after ``SimBase.__init__``), reads
    ``_volume``, ``_energy``, ``_flow`` and :meth:`_power_kw` under ``lock`` after :meth:`_advance`.

    Attributes:
        supply_temp: Supply water temperature, °C.
        return_temp: Return water temperature, °C.
        heat_coefficient: k of the true heat k·q·ΔT, kWh/(m³·K) (a bench may set the EN 1434-1 value
            of its temperatures; default the constant ``WATER_KWH_PER_M3K``).
    """

    supply_temp: float
    return_temp: float
    heat_coefficient: float = WATER_KWH_PER_M3K

    def _start_flow(self, flow: float, supply_temp: float, return_temp: float) -> None:
        """Check the initial flow and start the registers at zero, now.

        Raises:
            ConfigurationError: negative flow.
        """
        _check_flow(flow)
        self._flow = float(flow)
        self.supply_temp = supply_temp
        self.return_temp = return_temp
        self._volume = 0.0
        self._energy = 0.0
        self._t = self.clock.now()

    def _power_kw(self) -> float:
        return self._flow * self.heat_coefficient * (self.supply_temp - self.return_temp)

    def _advance(self) -> None:
        now = self.clock.now()
        dt_h = max(0.0, now - self._t) / 3600.0
        self._volume += self._flow * dt_h
        self._energy += self._power_kw() * dt_h
        self._t = now

    def apply_flow(
        self, m3_per_h: float, *, supply_temp: float | None = None, return_temp: float | None = None
    ) -> None:
        """Set the flow (and, for heat meters, the temperatures) from now on.

        Args:
            m3_per_h: Applied flow, m³/h.
            supply_temp: New supply temperature, °C (None: unchanged).
            return_temp: New return temperature, °C (None: unchanged).

        Raises:
            ConfigurationError: negative flow.
        """
        _check_flow(m3_per_h)
        with self.lock:
            self._advance()
            self._flow = float(m3_per_h)
            if supply_temp is not None:
                self.supply_temp = supply_temp
            if return_temp is not None:
                self.return_temp = return_temp

    @property
    def true_volume(self) -> float:
        """Volume that really passed, m³."""
        with self.lock:
            self._advance()
            return self._volume

    @property
    def true_energy(self) -> float:
        """Heat that really passed, kWh (heat meters)."""
        with self.lock:
            self._advance()
            return self._energy

"""Simulated Modbus RTU slave: a register bank plus a flowmeter whose totaliser advances with the flow.

Register image (0-based protocol addresses):

* Holding registers ``0 .. size-1`` hold their own index at start (the benchmark pattern of
  protocols.md §4) and accept FC06/FC16 writes.
* Input registers (FC04), computed from the device state at the moment of the request:

  ======  ========  ======================================================
  0–1     float32   flow rate, m³/h (with the device's error and noise)
  2–3     float32   totalised volume, m³ (the register, with ``error_percent``)
  4–5     uint32    totalised volume, L (integer litres of the same register)
  6       int16     medium temperature, 0.01 °C
  ======  ========  ======================================================

  32-bit values use ``word_order`` (``ABCD`` default; ``CDAB`` is common in flowmeters).

Requests for another slave, with a bad CRC or malformed get no reply (as on a real bus); an address
outside the image gets exception 02, an over-long count exception 03, an unknown function exception 01.
``apply_flow`` is the setter a procedure or test drives in-process.
"""

from __future__ import annotations

import random
from typing import Any

from instruments.clock import Clock
from instruments.errors import ConfigurationError, ProtocolError
from instruments.framing import LengthFramer
from instruments.protocols import modbus_rtu as rtu
from instruments.registry import Option, SimContext, SimEntry
from instruments.sim.base import SimBase

__all__ = ["SIM_ENTRIES", "ModbusSlaveSim"]

INPUT_SIZE = 7


class ModbusSlaveSim(SimBase):
    """A Modbus RTU slave with a holding-register bank and a flowmeter on the input registers.

    Args:
        slave: slave address 1..247.
        size: number of holding registers (0..size-1, initialised to their index).
        word_order: order of the 32-bit input values.
        flow: initial applied flow in m³/h.
        temperature: medium temperature in °C.
        clock, rng, error_percent, noise_percent: see :class:`~instruments.sim.base.SimBase`.
    """

    name = "modbus"

    def __init__(
        self,
        slave: int = 1,
        *,
        size: int = 100,
        word_order: str = "ABCD",
        flow: float = 0.0,
        temperature: float = 20.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        error_percent: float = 0.0,
        noise_percent: float = 0.0,
    ) -> None:
        super().__init__(clock=clock, rng=rng, error_percent=error_percent, noise_percent=noise_percent)
        if not 1 <= slave <= 247:
            raise ConfigurationError(f"Modbus slave address must be 1..247, got {slave!r}")
        if not 1 <= size <= 0x10000:
            raise ConfigurationError(f"holding register count must be 1..65536, got {size!r}")
        if flow < 0:
            raise ConfigurationError(f"applied flow must be >= 0 m3/h, got {flow!r}")
        rtu.float32_to_registers(0.0, word_order)  # validates the word order
        self.slave = slave
        self.word_order = word_order
        self.holding = [i & 0xFFFF for i in range(size)]
        self.temperature = temperature
        self._flow = float(flow)
        self._true_volume = 0.0
        self._t = self.clock.now()
        self._framer = LengthFramer(rtu.request_length, max_length=256)

    @property
    def framer(self) -> LengthFramer:
        return self._framer

    # ------------------------------------------------------------------ process state
    def _advance(self) -> None:
        now = self.clock.now()
        self._true_volume += self._flow * max(0.0, now - self._t) / 3600.0
        self._t = now

    def apply_flow(self, m3_per_h: float) -> None:
        """Set the flow through the meter (m³/h) from now on.

        Raises:
            ConfigurationError: negative flow.
        """
        if m3_per_h < 0:
            raise ConfigurationError(f"applied flow must be >= 0 m3/h, got {m3_per_h!r}")
        with self.lock:
            self._advance()
            self._flow = float(m3_per_h)

    @property
    def true_volume(self) -> float:
        """Volume that really passed, m³."""
        with self.lock:
            self._advance()
            return self._true_volume

    @property
    def register_volume(self) -> float:
        """Volume the meter's register shows, m³ (true volume × (1 + error_percent/100))."""
        return self.with_error(self.true_volume)

    def input_registers(self) -> list[int]:
        """The current input-register image (see the module docstring)."""
        with self.lock:
            self._advance()
            flow = self.noisy(self.with_error(self._flow))
            volume = self.with_error(self._true_volume)
            litres = int(volume * 1000.0) & 0xFFFFFFFF
            temp = rtu.int16_to_register(max(-32768, min(32767, round(self.temperature * 100))))
        wo = self.word_order
        return [
            *rtu.float32_to_registers(flow, wo),
            *rtu.float32_to_registers(volume, wo),
            *rtu.uint32_to_registers(litres, wo),
            temp,
        ]

    # ------------------------------------------------------------------ protocol
    def handle(self, request: bytes) -> bytes | None:
        try:
            req = rtu.decode_request(request)
        except ProtocolError:
            return None  # a slave ignores frames with a bad CRC
        if req.slave not in (0, self.slave):
            return None
        reply = self._execute(req)
        return None if req.slave == 0 else reply

    def _execute(self, req: rtu.ModbusRequest) -> bytes:
        s, fc = self.slave, req.function
        if fc in (rtu.READ_HOLDING, rtu.READ_INPUT):
            if not 1 <= req.count <= 125:
                return rtu.encode_exception(s, fc, 0x03)
            bank = self.holding if fc == rtu.READ_HOLDING else self.input_registers()
            if req.address + req.count > len(bank):
                return rtu.encode_exception(s, fc, 0x02)
            with self.lock:
                values = bank[req.address : req.address + req.count]
            return rtu.encode_registers_reply(s, fc, values)
        if fc in (rtu.WRITE_SINGLE, rtu.WRITE_MULTIPLE):
            if req.address + len(req.values) > len(self.holding):
                return rtu.encode_exception(s, fc, 0x02)
            with self.lock:
                self.holding[req.address : req.address + len(req.values)] = list(req.values)
            if fc == rtu.WRITE_SINGLE:
                return rtu.append_crc(
                    bytes((s, fc)) + req.address.to_bytes(2, "big") + req.values[0].to_bytes(2, "big")
                )
            return rtu.append_crc(
                bytes((s, fc)) + req.address.to_bytes(2, "big") + req.count.to_bytes(2, "big")
            )
        return rtu.encode_exception(s, fc, 0x01)


def _factory(ctx: SimContext) -> ModbusSlaveSim:
    opts: dict[str, Any] = {
        "slave": int(ctx.option("slave", 1)),
        "size": int(ctx.option("size", 100)),
        "word_order": str(ctx.option("word_order", "ABCD")),
        "flow": float(ctx.option("flow", 0.0)),
    }
    return ModbusSlaveSim(
        clock=ctx.clock, rng=ctx.rng, error_percent=ctx.error_percent, noise_percent=ctx.noise_percent, **opts
    )


SIM_ENTRIES = (
    SimEntry(
        "modbus",
        "Modbus RTU slave: holding 0..N-1 hold their index; input 0-6 a flowmeter (flow, volume, temp)",
        _factory,
        (
            Option("--slave", "slave address 1..247", int, 1),
            Option("--size", "number of holding registers", int, 100),
            Option("--word-order", "order of 32-bit values", str, "ABCD", rtu.WORD_ORDERS),
            Option("--flow", "applied flow in m3/h", float, 0.0),
        ),
    ),
)

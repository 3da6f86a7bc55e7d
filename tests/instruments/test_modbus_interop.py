"""Interoperability with pymodbus (the test oracle), over real pseudo-terminals.

* Our simulated slave serves a pymodbus ``ModbusSerialClient`` master.
* Our client reads and writes a pymodbus serial server; the server opens one end of two pty pairs
  bridged back to back (like ``socat``), our link the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import threading
import tty
from collections.abc import Iterator
from typing import Any

import pytest

pymodbus = pytest.importorskip("pymodbus")

from pymodbus import FramerType  # noqa: E402
from pymodbus.client import ModbusSerialClient  # noqa: E402
from pymodbus.server import ModbusSerialServer  # noqa: E402
from pymodbus.simulator import DataType, SimData, SimDevice  # noqa: E402

from instruments.link import LinkSettings, SerialLink  # noqa: E402
from instruments.modbus_client import ModbusClient  # noqa: E402
from instruments.protocols import modbus_rtu as rtu  # noqa: E402
from instruments.sim.modbus import ModbusSlaveSim  # noqa: E402
from instruments.sim.pty import PtySimServer  # noqa: E402


@pytest.fixture(autouse=True)
def _quiet_pymodbus() -> Iterator[None]:
    logger = logging.getLogger("pymodbus")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def test_our_simulator_serves_a_pymodbus_master() -> None:
    sim = ModbusSlaveSim(slave=5, size=120, word_order="ABCD", flow=7.5)
    with PtySimServer(sim) as server:
        client = ModbusSerialClient(
            server.path, framer=FramerType.RTU, baudrate=19200, timeout=0.5, retries=0
        )
        assert client.connect()
        try:
            rr = client.read_holding_registers(0, count=10, device_id=5)
            assert not rr.isError() and rr.registers == list(range(10))
            rr = client.read_holding_registers(100, count=20, device_id=5)
            assert rr.registers == list(range(100, 120))
            assert not client.write_register(3, 4321, device_id=5).isError()
            assert not client.write_registers(50, [11, 22, 33], device_id=5).isError()
            assert sim.holding[3] == 4321 and sim.holding[50:53] == [11, 22, 33]
            ir = client.read_input_registers(0, count=2, device_id=5)
            assert rtu.registers_to_float32(ir.registers, "ABCD") == pytest.approx(7.5)
            exc = client.read_holding_registers(119, count=5, device_id=5)
            assert exc.isError() and exc.exception_code == 2
        finally:
            client.close()  # type: ignore[no-untyped-call]


class _Bridge:
    """Two pty pairs whose masters are copied into each other: two serial ports wired back to back."""

    def __init__(self) -> None:
        self.ma, self.sa = os.openpty()
        self.mb, self.sb = os.openpty()
        for fd in (self.sa, self.sb):
            tty.setraw(fd)
        self.path_a, self.path_b = os.ttyname(self.sa), os.ttyname(self.sb)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.ma, self.mb], [], [], 0.05)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                    os.write(self.mb if fd == self.ma else self.ma, data)
                except OSError:
                    return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self.ma, self.sa, self.mb, self.sb):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def pymodbus_server() -> Iterator[tuple[str, list[tuple[int, int, list[int]]]]]:
    bridge = _Bridge()
    writes: list[tuple[int, int, list[int]]] = []

    async def action(fc: int, start: int, address: int, count: int, regs: list[int], setv: Any) -> None:
        if setv is not None:
            writes.append((fc, address, list(setv)))

    bits = [SimData(0, count=16, values=False, datatype=DataType.BITS)]
    device = SimDevice(
        7,
        (
            bits,
            bits,
            [SimData(0, values=list(range(100, 300)), datatype=DataType.REGISTERS)],
            [SimData(0, values=list(range(500, 700)), datatype=DataType.REGISTERS)],
        ),
        action=action,
    )
    loop = asyncio.new_event_loop()
    holder: dict[str, ModbusSerialServer] = {}
    started = threading.Event()

    async def main() -> None:
        server = ModbusSerialServer(
            device, framer=FramerType.RTU, port=bridge.path_a, baudrate=19200, timeout=0.5
        )
        holder["server"] = server
        started.set()
        await server.serve_forever()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    assert started.wait(5)
    try:
        yield bridge.path_b, writes
    finally:
        stop = holder["server"].shutdown()  # type: ignore[no-untyped-call]
        asyncio.run_coroutine_threadsafe(stop, loop).result(5)
        thread.join(5)
        loop.close()
        bridge.close()


def test_our_client_reads_a_pymodbus_server(
    pymodbus_server: tuple[str, list[tuple[int, int, list[int]]]],
) -> None:
    path, writes = pymodbus_server
    link = SerialLink(LinkSettings(path, baudrate=19200, timeout=0.5, retries=3))
    c = ModbusClient(link)
    try:
        # the server may need a moment to open its port: the first read is allowed retries
        assert c.read_holding_registers(7, 0, 5) == [100, 101, 102, 103, 104]
        assert c.read_holding_registers(7, 0, 125) == list(range(100, 225))
        assert c.read_input_registers(7, 10, 3) == [510, 511, 512]
        c.write_register(7, 3, 999)
        c.write_registers(7, 20, [1, 2, 3])
        assert writes == [(6, 3, [999]), (16, 20, [1, 2, 3])]
        assert c.read_holding_registers(7, 20, 3) == [1, 2, 3]
        c.write_float(7, 40, -1.5, word_order="CDAB")
        assert c.read_float(7, 40, word_order="CDAB") == -1.5
        with pytest.raises(rtu.ModbusExceptionReply) as info:
            c.read_holding_registers(7, 250, 5)
        assert info.value.code == 2
    finally:
        link.close()

"""Fault injection on a real pseudo-terminal: 5 % corrupted replies plus random silences, 1,000 reads.

Every read must return the correct registers or raise; none may return a wrong value. Every corrupted
reply the simulator sent must be detected (counted as a bad reply by the client), retried within the
budget, and noted in the link trace.
"""

from __future__ import annotations

import random

from instruments.link import LinkSettings, SerialLink
from instruments.modbus_client import ModbusClient
from instruments.sim.faults import FaultSpec
from instruments.sim.modbus import ModbusSlaveSim
from instruments.sim.pty import PtySimServer


def test_thousand_reads_with_corruption_and_silences_never_return_a_wrong_value() -> None:
    sim = ModbusSlaveSim(slave=1, size=300)
    faults = FaultSpec.parse("crc=0.05,mute=0.01,silence=0.06@0.5/1.5")
    rng = random.Random(1234)
    with PtySimServer(sim, faults=faults, rng=random.Random(99)) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=115200, timeout=0.1, inter_byte_timeout=0.02))
        client = ModbusClient(link, retries=4)
        wrong = 0
        for _ in range(1000):
            start = rng.randrange(0, 250)
            count = rng.randint(1, 50)
            values = client.read_holding_registers(1, start, count)
            wrong += values != list(range(start, start + count))
        link.close()
        events = server.events
    corrupted = sum(1 for e in events if e.kind == "corrupt")
    silent = sum(1 for e in events if e.kind in ("mute", "silence"))
    assert wrong == 0
    assert corrupted >= 30  # about 5 % of ~1,000 replies were really damaged
    assert client.stats.bad_replies == corrupted  # each damaged reply detected, none accepted
    assert client.stats.timeouts == silent
    assert client.stats.failures == 0
    assert client.stats.attempts == 1000 + corrupted + silent
    notes = [n.text for n in link.trace.notes if "attempt" in n.text and "failed" in n.text]
    assert len(notes) == corrupted + silent
    assert any("CRC" in n for n in notes)


def test_dropped_truncated_and_noisy_replies_are_rejected_and_retried() -> None:
    """Byte loss, truncation, leading line noise and slow (but in-time) replies: no wrong value either."""
    sim = ModbusSlaveSim(slave=1, size=300)
    faults = FaultSpec.parse("drop=0.03,truncate=0.03,garbage=0.03,slow=0.05@0.01")
    rng = random.Random(77)
    with PtySimServer(sim, faults=faults, rng=random.Random(5)) as server:
        link = SerialLink(LinkSettings(server.path, baudrate=115200, timeout=0.1, inter_byte_timeout=0.01))
        client = ModbusClient(link, retries=4)
        for _ in range(400):
            start, count = rng.randrange(0, 250), rng.randint(1, 50)
            assert client.read_holding_registers(1, start, count) == list(range(start, start + count))
        link.close()
        damaged = {e.t for e in server.events if e.kind in ("drop", "truncate", "garbage")}
    assert client.stats.failures == 0
    assert len(damaged) >= 20
    assert client.stats.bad_replies + client.stats.timeouts >= len(damaged)

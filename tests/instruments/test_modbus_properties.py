"""Property tests of the Modbus RTU codec and the 32-bit helpers (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instruments.errors import ProtocolError
from instruments.protocols import modbus_rtu as m

SLAVES = st.integers(1, 247)
REGS = st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=125)


@settings(max_examples=100, deadline=None)
@given(slave=SLAVES, function=st.sampled_from([3, 4]), start=st.integers(0, 1000), values=REGS)
def test_read_reply_roundtrip(slave: int, function: int, start: int, values: list[int]) -> None:
    request = m.encode_read(slave, function, start, len(values))
    reply = m.encode_registers_reply(slave, function, values)
    assert m.reply_length(request, reply) == len(reply) == m.expected_reply_length(request)
    assert m.decode_reply(request, reply) == values
    req = m.decode_request(request)
    assert (req.slave, req.function, req.address, req.count) == (slave, function, start, len(values))


@settings(max_examples=100, deadline=None)
@given(slave=SLAVES, values=REGS, data=st.data())
def test_any_single_byte_change_is_rejected(slave: int, values: list[int], data: st.DataObject) -> None:
    request = m.encode_read(slave, 3, 0, len(values))
    reply = bytearray(m.encode_registers_reply(slave, 3, values))
    i = data.draw(st.integers(0, len(reply) - 1))
    reply[i] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ProtocolError):
        m.decode_reply(request, bytes(reply))


@settings(max_examples=100, deadline=None)
@given(start=st.integers(0, 1000), values=st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=123))
def test_write_multiple_roundtrip(start: int, values: list[int]) -> None:
    frame = m.encode_write_multiple(9, start, values)
    assert m.request_length(frame) == len(frame)
    assert m.decode_request(frame).values == tuple(values)


@given(x=st.floats(width=32, allow_nan=False), order=st.sampled_from(m.WORD_ORDERS))
def test_float32_roundtrip(x: float, order: str) -> None:
    y = m.registers_to_float32(m.float32_to_registers(x, order), order)
    assert y == x or (math.isinf(x) and y == x)


@given(x=st.integers(0, 2**32 - 1), order=st.sampled_from(m.WORD_ORDERS))
def test_uint32_roundtrip(x: int, order: str) -> None:
    assert m.registers_to_uint32(m.uint32_to_registers(x, order), order) == x

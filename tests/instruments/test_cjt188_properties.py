"""Property tests of the CJ/T 188 codec (hypothesis): round trips and single-byte corruption."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instruments.errors import ProtocolError
from instruments.protocols import cjt188 as c

ADDRESSES = st.integers(0, 10**14 - 1).map(lambda n: f"{n:014d}")
ORDERS = st.sampled_from(["msb", "lsb"])


@settings(max_examples=100, deadline=None)
@given(
    address=ADDRESSES,
    order=ORDERS,
    ser=st.integers(0, 255),
    centi=st.integers(0, 99_999_999),
    preamble=st.integers(0, 4),
    kind=st.sampled_from([0x10, 0x11, 0x30]),
)
def test_water_reply_roundtrip(
    address: str, order: c.DiOrder, ser: int, centi: int, preamble: int, kind: int
) -> None:
    request = c.encode_read_data(kind, address, ser=ser, di_order=order, preamble=preamble)
    di = request[preamble + 11 : preamble + 13]
    reply = c.encode_frame(kind, address, 0x81, c.encode_water_data(di, ser, centi / 100), preamble=preamble)
    assert c.frame_length(reply + b"\xfe\x68") == len(reply)
    data = c.decode_water_data(c.check_reply(request, reply, di_order=order).data)
    assert round(data.flow * 100) == centi


@settings(max_examples=100, deadline=None)
@given(address=ADDRESSES, centi=st.integers(0, 99_999_999), data=st.data())
def test_any_single_byte_change_after_the_preamble_is_rejected(
    address: str, centi: int, data: st.DataObject
) -> None:
    reply = bytearray(c.encode_frame(0x10, address, 0x81, c.encode_water_data(b"\x90\x1f", 0, centi / 100)))
    i = data.draw(st.integers(0, len(reply) - 1))
    reply[i] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ProtocolError):
        c.decode_frame(bytes(reply))

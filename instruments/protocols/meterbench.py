"""Meter-bench protocol (our own, documented in docs/instruments.md) and the standard-meter error arithmetic.

Benches combine a power source, a reference standard meter and an error calculator behind a vendor
protocol; there is no public one, so the simulator and the driver share this simple, strict ASCII protocol:

* every frame is ``BODY*CS\\r\\n``; ``BODY`` is printable ASCII (no ``*``), ``CS`` two upper-case hex digits
  of the XOR of the bytes of ``BODY`` (NMEA style);
* a request body is ``COMMAND [ARG …]`` separated by single spaces; a reply body is
  ``STATUS COMMAND [FIELD …]`` with STATUS ``OK``, ``BUSY`` (a measurement is still running) or ``ER``
  (``ER COMMAND CODE TEXT…``), and COMMAND echoing the request's command word.

Commands: ``IDN?``; ``SRC U I PF``; ``SRC?`` (→ U I PF OFF|SETTLING|STABLE); ``OFF``; ``STD?`` (→ P_kW E_kWh
pulses); ``STD RESET``; ``CONST?`` (→ C_0); ``TEST CL N C0 [KI KU]``; ``TEST?`` (→ ``BUSY`` done N, or ``OK``
m γ N); ``STOP``; ``CNT T`` (count the meter's test-output pulses in a gate of T seconds: starting and
creep tests); ``CNT?`` (→ ``BUSY``/``OK`` n elapsed T first|NONE, :func:`parse_count`). The full table is in
docs/instruments.md.

Error arithmetic (standard-meter method, regulations.md §3, JJG 596): the meter under test (constant C_L,
imp/kWh) emits N pulses while the standard (constant C_0) counts m pulses;
m0 = C_0·N / (C_L·K_I·K_U) and γ = (m0 − m)/m × 100 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from instruments.errors import ConfigurationError, DeviceError, ProtocolError
from instruments.framing import TerminatorFramer

__all__ = [
    "COMMANDS",
    "ERROR_CODES",
    "BenchReply",
    "CountStatus",
    "build_reply",
    "build_request",
    "checksum",
    "decode_frame",
    "encode_frame",
    "error_percent",
    "expected_standard_pulses",
    "framer",
    "parse_count",
    "parse_reply",
    "parse_request",
    "standard_pulses_for_error",
]

Status = Literal["OK", "BUSY", "ER"]

#: Request command words.
COMMANDS = ("IDN?", "SRC", "SRC?", "OFF", "STD?", "STD", "CONST?", "TEST", "TEST?", "STOP", "CNT", "CNT?")

#: ``ER`` codes.
ERROR_CODES = {
    1: "unknown command or syntax error",
    2: "value out of range",
    3: "source off or not settled",
    4: "no error test or pulse count started",
    5: "checksum error in request",
}

MAX_FRAME = 256


def framer() -> TerminatorFramer:
    """Frames end with CR LF."""
    return TerminatorFramer(b"\r\n", max_length=MAX_FRAME)


def checksum(body: bytes) -> int:
    """XOR of the bytes of ``body``."""
    cs = 0
    for b in body:
        cs ^= b
    return cs


def encode_frame(body: str) -> bytes:
    """``BODY*CS\\r\\n`` for a body of printable ASCII without ``*``.

    Raises:
        ConfigurationError: the body contains non-printable characters or ``*``.
    """
    if not body or "*" in body or not all(32 <= ord(c) < 127 for c in body):
        raise ConfigurationError(f"meter-bench frame body must be printable ASCII without '*', got {body!r}")
    raw = body.encode("ascii")
    return raw + f"*{checksum(raw):02X}\r\n".encode("ascii")


def decode_frame(frame: bytes) -> str:
    """Check terminator, syntax and checksum of one frame; return its body.

    Raises:
        ProtocolError: anything malformed (the message says what).
    """
    if not frame.endswith(b"\r\n"):
        raise ProtocolError(f"meter-bench frame must end with CR LF: {frame!r}")
    line = frame[:-2]
    star = line.rfind(b"*")
    if star < 1 or len(line) - star != 3:
        raise ProtocolError(f"meter-bench frame must look like BODY*CS: {frame!r}")
    body, cs_text = line[:star], line[star + 1 :]
    if any(not 32 <= b < 127 for b in body) or b"*" in body:
        raise ProtocolError(f"meter-bench frame body has non-printable bytes: {frame!r}")
    try:
        cs = int(cs_text.decode("ascii"), 16)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(f"meter-bench checksum {cs_text!r} is not two hex digits: {frame!r}") from None
    if cs_text.decode("ascii") != cs_text.decode("ascii").upper():
        raise ProtocolError(f"meter-bench checksum must be upper-case hex: {frame!r}")
    if cs != checksum(body):
        raise ProtocolError(f"meter-bench checksum {cs:02X}, computed {checksum(body):02X}: {frame!r}")
    text = body.decode("ascii")
    if text != text.strip() or "  " in text:
        raise ProtocolError(f"meter-bench fields must be separated by single spaces: {frame!r}")
    return text


def _fmt(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ConfigurationError(f"meter-bench numbers must be finite, got {value!r}")
    return f"{value:.6g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.6e}"


def build_request(command: str, *args: float | int | str) -> bytes:
    """A request frame, e.g. ``build_request("SRC", 220.0, 5.0, 1.0)`` → ``b"SRC 220 5 1*56\\r\\n"``.

    Raises:
        ConfigurationError: unknown command word.
    """
    if command not in COMMANDS:
        raise ConfigurationError(f"unknown meter-bench command {command!r}; known: {', '.join(COMMANDS)}")
    return encode_frame(" ".join([command, *(_fmt(a) for a in args)]))


def parse_request(frame: bytes) -> tuple[str, tuple[str, ...]]:
    """Split a request frame into its command word and arguments (simulator side).

    Raises:
        ProtocolError: malformed frame or unknown command.
    """
    words = decode_frame(frame).split(" ")
    if words[0] not in COMMANDS:
        raise ProtocolError(f"unknown meter-bench command {words[0]!r}")
    return words[0], tuple(words[1:])


def build_reply(status: Status, command: str, *fields: float | int | str) -> bytes:
    """A reply frame ``STATUS COMMAND FIELD…`` (simulator side)."""
    return encode_frame(" ".join([status, command, *(_fmt(f) for f in fields)]))


@dataclass(frozen=True)
class BenchReply:
    """A decoded reply: ``status`` (OK/BUSY), echoed ``command`` and the text ``fields``."""

    status: Status
    command: str
    fields: tuple[str, ...]

    def numbers(self, count: int) -> tuple[float, ...]:
        """The first ``count`` fields as floats.

        Raises:
            ProtocolError: fewer fields, or a field is not a finite number.
        """
        if len(self.fields) < count:
            raise ProtocolError(f"{self.command} reply has {len(self.fields)} field(s), expected {count}")
        try:
            out = tuple(float(f) for f in self.fields[:count])
        except ValueError:
            raise ProtocolError(f"{self.command} reply fields are not numbers: {self.fields}") from None
        if not all(math.isfinite(v) for v in out):
            raise ProtocolError(f"{self.command} reply has non-finite numbers: {self.fields}")
        return out


def parse_reply(frame: bytes, command: str) -> BenchReply:
    """Check a reply to ``command`` and decode it.

    Raises:
        ProtocolError: malformed frame, bad checksum, unknown status, or the echoed command differs.
        DeviceError: the bench answered ``ER`` (code and text in the message).
    """
    words = decode_frame(frame).split(" ")
    if len(words) < 2:
        raise ProtocolError(f"meter-bench reply needs STATUS COMMAND, got {frame!r}")
    status, echoed = words[0], words[1]
    if echoed != command:
        raise ProtocolError(f"meter-bench reply echoes {echoed!r}, request was {command!r}")
    if status == "ER":
        code = words[2] if len(words) > 2 else "?"
        text = " ".join(words[3:]) or ERROR_CODES.get(int(code) if code.isdigit() else 0, "")
        raise DeviceError(f"meter bench refused {command}: error {code} ({text})")
    if status not in ("OK", "BUSY"):
        raise ProtocolError(f"meter-bench reply status must be OK, BUSY or ER, got {status!r}")
    return BenchReply("OK" if status == "OK" else "BUSY", echoed, tuple(words[2:]))


@dataclass(frozen=True)
class CountStatus:
    """A decoded ``CNT?`` reply: pulses of the meter under test counted in the gate so far.

    Attributes:
        pulses: n, whole pulses of the meter's test output since the gate opened.
        elapsed_s: seconds of the gate elapsed (equal to ``gate_s`` once it has closed).
        gate_s: the gate length T asked for with ``CNT T``.
        first_pulse_s: seconds from the opening of the gate to the first pulse, None when none came.
        complete: True when the gate has closed (``OK``), False while counting (``BUSY``).
    """

    pulses: int
    elapsed_s: float
    gate_s: float
    first_pulse_s: float | None
    complete: bool


def parse_count(reply: BenchReply) -> CountStatus:
    """Check and decode the fields of a ``CNT?`` reply (``n elapsed T first|NONE``).

    >>> parse_count(parse_reply(build_reply("OK", "CNT?", 1, 600, 600, 412.5), "CNT?"))
    CountStatus(pulses=1, elapsed_s=600.0, gate_s=600.0, first_pulse_s=412.5, complete=True)

    Raises:
        ProtocolError: wrong command, missing fields, a non-integer or negative count, an elapsed time
            outside the gate, a first-pulse time that does not fit the count.
    """
    if reply.command != "CNT?":
        raise ProtocolError(f"expected a CNT? reply, got {reply.command!r}")
    if len(reply.fields) != 4:
        raise ProtocolError(f"CNT? reply needs 4 fields (n elapsed T first|NONE), got {reply.fields}")
    n, elapsed, gate = reply.numbers(3)
    if n != int(n) or n < 0:
        raise ProtocolError(f"CNT? pulse count must be a whole number >= 0, got {reply.fields[0]!r}")
    tol = 1e-6 * max(1.0, gate)
    if not gate > 0 or not -tol <= elapsed <= gate + tol:
        raise ProtocolError(f"CNT? elapsed {elapsed:g} s does not fit a gate of {gate:g} s")
    complete = reply.status == "OK"
    if complete and abs(elapsed - gate) > tol:
        raise ProtocolError(f"CNT? gate closed after {elapsed:g} s, but it was {gate:g} s long")
    first_text = reply.fields[3]
    if first_text == "NONE":
        first = None
    else:
        try:
            first = float(first_text)
        except ValueError:
            raise ProtocolError(f"CNT? first-pulse time {first_text!r} is not a number or NONE") from None
        if not (math.isfinite(first) and -tol <= first <= elapsed + tol):
            raise ProtocolError(f"CNT? first pulse at {first_text} s is outside the {elapsed:g} s counted")
    if (first is None) != (n == 0):
        raise ProtocolError(f"CNT? reply {reply.fields}: a first-pulse time is given exactly when n >= 1")
    return CountStatus(int(n), elapsed, gate, first, complete)


def _check_constants(c0: float, cl: float, n: float, ki: float, ku: float) -> None:
    for name, v in (("C_0", c0), ("C_L", cl), ("N", n), ("K_I", ki), ("K_U", ku)):
        if not (math.isfinite(v) and v > 0):
            raise ConfigurationError(f"{name} must be a positive finite number, got {v!r}")


def expected_standard_pulses(c0: float, cl: float, n: float, ki: float = 1.0, ku: float = 1.0) -> float:
    """m0 = C_0·N / (C_L·K_I·K_U): the standard's pulse count for a perfect meter.

    Args:
        c0: constant of the standard meter (imp/kWh).
        cl: constant of the meter under test (imp/kWh).
        n: pulses of the meter under test in the gate.
        ki, ku: current and voltage transformer ratios (1 for direct connection).

    Raises:
        ConfigurationError: a non-positive or non-finite argument.
    """
    _check_constants(c0, cl, n, ki, ku)
    return c0 * n / (cl * ki * ku)


def error_percent(m: float, c0: float, cl: float, n: float, ki: float = 1.0, ku: float = 1.0) -> float:
    """Relative error of the meter under test, γ = (m0 − m)/m × 100 %.

    Worked example (regulations.md §3): C_0 = 1.2e6, C_L = 1200, N = 10, m = 10 020 → −0.1996 %.

    Args:
        m: pulses the standard counted during the N pulses of the meter under test.
        c0, cl, n, ki, ku: see :func:`expected_standard_pulses`.

    Raises:
        ConfigurationError: a non-positive or non-finite argument.
    """
    if not (math.isfinite(m) and m > 0):
        raise ConfigurationError(f"standard pulse count m must be > 0, got {m!r}")
    m0 = expected_standard_pulses(c0, cl, n, ki, ku)
    return (m0 - m) / m * 100.0


def standard_pulses_for_error(
    gamma: float, c0: float, cl: float, n: float, ki: float = 1.0, ku: float = 1.0
) -> float:
    """Inverse of :func:`error_percent`: m = m0 / (1 + γ/100) (what a meter with error γ produces)."""
    if not gamma > -100.0:
        raise ConfigurationError(f"meter error must be > -100 %, got {gamma!r}")
    return expected_standard_pulses(c0, cl, n, ki, ku) / (1.0 + gamma / 100.0)

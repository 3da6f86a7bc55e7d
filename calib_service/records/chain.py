"""Canonical JSON, state digests and link hashes of the audit chain (pure functions, no database).

The same row read back from SQLite or PostgreSQL must give the same digest, so values are brought to
one canonical form first: times as UTC ISO 8601 with microseconds, dates as ISO, decimals and bytes as
text, floats as their shortest round-trip form, JSON keys sorted.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table

__all__ = [
    "GENESIS",
    "SECRET_COLUMNS",
    "canonical",
    "canonical_json",
    "digest",
    "link_hash",
    "row_state",
]

#: ``prev_hash`` of the first event of a chain.
GENESIS = "0" * 64

#: Columns never copied into the audit log: only their sha256 is kept (so a change is still detected).
SECRET_COLUMNS: frozenset[tuple[str, str]] = frozenset({("app_user", "password_hash")})


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data in the one form used for hashing.

    >>> canonical({"b": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "a": Decimal("1.50")})
    {'b': '2026-01-02T03:04:05.000000+00:00', 'a': '1.50'}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return str(value)


def canonical_json(value: Any) -> str:
    """Canonical JSON text (sorted keys, no spaces, UTF-8 kept) of ``value``."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(state: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``state``.

    >>> digest({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()
    True
    """
    return hashlib.sha256(canonical_json(state).encode("utf-8")).hexdigest()


def link_hash(
    *,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    state_digest: str,
) -> str:
    """Hash of one chain link: it covers the previous link's hash, so no link can change unseen."""
    return digest(
        {
            "seq": seq,
            "prev": prev_hash,
            "at": occurred_at,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "state": state_digest,
        }
    )


def row_state(table: Table, row: Any) -> dict[str, Any]:
    """The canonical state of one table row (a mapping of column key to value); secrets are hashed."""
    state: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.key] if hasattr(row, "__getitem__") else getattr(row, column.key)
        if (table.name, column.key) in SECRET_COLUMNS:
            state[column.key + "_sha256"] = (
                None if value is None else hashlib.sha256(str(value).encode("utf-8")).hexdigest()
            )
        else:
            state[column.key] = canonical(value)
    return state

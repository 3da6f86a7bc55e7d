"""Attachments (scans, raw files) stored content-addressed by sha256 and checked on every read.

Files live under ``<data_dir>/attachments/<aa>/<sha256>``; the same content is stored once. The row
(``attachment``) names the record it belongs to and is audited like every other row.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calib_service.errors import IntegrityCheckError, NotFoundError, RecordValidationError
from calib_service.models import Attachment, Calibration, Job, User
from calib_service.records.permissions import require

__all__ = [
    "ATTACHABLE",
    "MAX_ATTACHMENT_BYTES",
    "StoredFile",
    "attachments_of",
    "count_attachments",
    "read_attachment",
    "store_attachment",
]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
#: Records a file may be attached to.
ATTACHABLE: dict[str, type[Calibration] | type[Job]] = {"calibration": Calibration, "job": Job}


@dataclass(frozen=True)
class StoredFile:
    """An attachment's row and its verified content."""

    attachment: Attachment
    content: bytes


def _path(data_dir: Path, sha256: str) -> Path:
    return data_dir / "attachments" / sha256[:2] / sha256


def store_attachment(
    *,
    session: Session,
    actor: User,
    data_dir: Path,
    entity: str,
    entity_id: int,
    filename: str,
    content: bytes,
    media_type: str = "application/octet-stream",
) -> Attachment:
    """Store ``content`` once under its sha256 and link it to a record.

    Raises:
        PermissionDenied: ``actor`` may not attach files (the auditor and admin may not).
        NotFoundError: the record does not exist.
        RecordValidationError: unknown record kind, empty or oversize content, bad file name.
    """
    require(actor, "attachment.write")
    if entity not in ATTACHABLE:
        raise RecordValidationError(f"cannot attach to {entity!r}; use one of {', '.join(ATTACHABLE)}")
    if session.get(ATTACHABLE[entity], entity_id) is None:
        raise NotFoundError(f"{entity} {entity_id} does not exist")
    name = Path(filename).name.strip()
    if not name or len(name) > 255:
        raise RecordValidationError(f"file name {filename!r} is empty or too long; give the original name")
    if not content:
        raise RecordValidationError(f"file {name!r} is empty")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise RecordValidationError(
            f"file {name!r} has {len(content)} bytes; the limit is {MAX_ATTACHMENT_BYTES}"
        )
    sha = hashlib.sha256(content).hexdigest()
    path = _path(data_dir, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    att = Attachment(
        sha256=sha,
        filename=name,
        media_type=media_type[:100] or "application/octet-stream",
        size=len(content),
        entity=entity,
        entity_id=entity_id,
        uploaded_by_id=actor.id,
    )
    session.add(att)
    session.flush()
    return att


def read_attachment(*, session: Session, data_dir: Path, attachment_id: int) -> StoredFile:
    """An attachment's content, after checking that its sha256 still matches.

    Raises:
        NotFoundError: no such attachment.
        IntegrityCheckError: the file is missing or its content no longer matches its sha256.
    """
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFoundError(f"attachment {attachment_id} does not exist")
    path = _path(data_dir, att.sha256)
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise IntegrityCheckError(
            f"attachment {attachment_id} ({att.filename}): file {path} is missing; restore it from a backup"
        ) from exc
    actual = hashlib.sha256(content).hexdigest()
    if actual != att.sha256:
        raise IntegrityCheckError(
            f"attachment {attachment_id} ({att.filename}) was altered: sha256 {actual[:16]}… "
            f"≠ recorded {att.sha256[:16]}…; restore it from a backup"
        )
    return StoredFile(att, content)


def attachments_of(
    *, session: Session, entity: str, entity_id: int, offset: int = 0, limit: int = 50
) -> list[Attachment]:
    """The attachments of one record, oldest first."""
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.entity == entity, Attachment.entity_id == entity_id)
            .order_by(Attachment.id)
            .offset(offset)
            .limit(limit)
        )
    )


def count_attachments(*, session: Session, entity: str, entity_id: int) -> int:
    """How many attachments one record has."""
    stmt = (
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.entity == entity, Attachment.entity_id == entity_id)
    )
    return int(session.scalar(stmt) or 0)

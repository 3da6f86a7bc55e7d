"""Content-addressed storage of scanned certificates and attachments (sha256 under a data directory).

A file is stored once at ``<data_dir>/sha256/<aa>/<bb>/<hash>``; storing the same bytes again is a no-op,
and the database keeps only the hash, so a record can be checked against its scan at any time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from calib_service.errors import NotFoundError, RecordValidationError

__all__ = ["file_path", "read_file", "store_file"]

MAX_FILE_BYTES = 50 * 1024 * 1024


def _check_hash(sha256: str) -> str:
    digest = sha256.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise RecordValidationError(f"{sha256!r} is not a sha256 hex digest (64 hexadecimal characters)")
    return digest


def file_path(data_dir: Path, sha256: str) -> Path:
    """Where the file with hash ``sha256`` lives under ``data_dir``.

    Raises:
        RecordValidationError: ``sha256`` is not a 64-character hex digest.
    """
    digest = _check_hash(sha256)
    return Path(data_dir) / "sha256" / digest[:2] / digest[2:4] / digest


def store_file(data_dir: Path, content: bytes) -> str:
    """Store ``content`` and return its sha256 hex digest (written atomically, once).

    Raises:
        RecordValidationError: the content is empty or larger than 50 MiB.
    """
    if not content:
        raise RecordValidationError("the file is empty; attach the scanned certificate (PDF or image)")
    if len(content) > MAX_FILE_BYTES:
        raise RecordValidationError(
            f"the file has {len(content)} bytes, more than the {MAX_FILE_BYTES} allowed; "
            "scan it at a lower resolution"
        )
    digest = hashlib.sha256(content).hexdigest()
    target = file_path(data_dir, digest)
    if target.is_file():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read_file(data_dir: Path, sha256: str) -> bytes:
    """The stored bytes with hash ``sha256``, verified against the hash.

    Raises:
        NotFoundError: no file with this hash is stored under ``data_dir``.
        RecordValidationError: the stored file no longer matches its hash (it was altered).
    """
    path = file_path(data_dir, sha256)
    if not path.is_file():
        raise NotFoundError(f"no stored file with sha256 {sha256} under {data_dir}")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != path.name:
        raise RecordValidationError(f"stored file {path} does not match its sha256; restore it from backup")
    return content

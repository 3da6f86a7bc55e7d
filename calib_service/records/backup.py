"""Backup and restore, with the audit-chain head anchored beside every backup and verified after restore.

SQLite: a consistent snapshot through the sqlite3 online-backup API (safe while others write).
PostgreSQL: ``pg_dump --format=custom`` of the database's current schema and ``pg_restore --clean``
(the binaries must be on PATH; the password goes through ``PGPASSWORD``, never the command line).
The anchor file ``<backup>.anchor.json`` holds the chain head, the backup's sha256 and the backend.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from calib_service.db import make_session_factory
from calib_service.errors import ConflictError, DatabaseError, IntegrityCheckError, RecordValidationError
from calib_service.models.base import utcnow
from calib_service.records.audit import ChainHead, VerifyReport, read_anchor, verify
from calib_service.records.chain import GENESIS, canonical

__all__ = ["BackupResult", "anchor_path_for", "backup", "file_sha256", "restore"]


@dataclass(frozen=True)
class BackupResult:
    """Where the backup went, its sha256, and the chain head anchored beside it."""

    path: Path
    anchor_path: Path
    sha256: str
    head: ChainHead
    backend: str


def anchor_path_for(backup_path: Path) -> Path:
    """The anchor file written beside ``backup_path``."""
    return backup_path.with_name(backup_path.name + ".anchor.json")


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sqlite_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        raise RecordValidationError("an in-memory SQLite database cannot be backed up; use a database file")
    return Path(db).expanduser().resolve()


def _pg_env_and_uri(url: URL) -> tuple[dict[str, str], str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return env, plain.render_as_string(hide_password=False)


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    exe = shutil.which(cmd[0])
    if exe is None:
        raise DatabaseError(f"{cmd[0]} is not on PATH; install the PostgreSQL client tools to {what}")
    proc = subprocess.run([exe, *cmd[1:]], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise DatabaseError(f"{cmd[0]} failed to {what}: {detail[-1] if detail else proc.returncode}")


def _head_sqlite(conn: sqlite3.Connection) -> ChainHead:
    row = conn.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    return ChainHead(0, GENESIS) if row is None else ChainHead(int(row[0]), str(row[1]))


def _head_engine(engine: Engine) -> ChainHead:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).first()
    return ChainHead(0, GENESIS) if row is None else ChainHead(int(row[0]), str(row[1]))


def _write_anchor(
    path: Path, head: ChainHead, backup_path: Path, sha: str, backend: str, extra: dict[str, Any]
) -> Path:
    anchor = anchor_path_for(backup_path)
    body = {
        "seq": head.seq,
        "hash": head.hash,
        "backup_file": backup_path.name,
        "backup_sha256": sha,
        "backend": backend,
        "written_at": canonical(utcnow()),
        **extra,
    }
    anchor.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return anchor


def backup(engine: Engine, dest: Path, *, overwrite: bool = False) -> BackupResult:
    """Write a consistent backup of the database to ``dest`` and the chain head beside it.

    Raises:
        ConflictError: ``dest`` exists and ``overwrite`` is False.
        DatabaseError: pg_dump is missing or failed.
        RecordValidationError: an in-memory SQLite database or an unsupported backend.
    """
    dest = dest.expanduser().resolve()
    if dest.exists() and not overwrite:
        raise ConflictError(f"backup file {dest} already exists; choose a new name or pass --overwrite")
    dest.parent.mkdir(parents=True, exist_ok=True)
    backend = engine.dialect.name
    extra: dict[str, Any] = {}
    if backend == "sqlite":
        src = sqlite3.connect(str(_sqlite_path(engine)))
        tmp = dest.with_name(dest.name + ".part")
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(str(tmp))
        try:
            src.backup(dst)
            head = _head_sqlite(dst)
        finally:
            dst.close()
            src.close()
        os.replace(tmp, dest)
    elif backend == "postgresql":
        with engine.connect() as conn:
            schema = str(conn.execute(text("SELECT current_schema()")).scalar())
        head = _head_engine(engine)  # the dump's snapshot starts later, so it holds at least this head
        env, uri = _pg_env_and_uri(engine.url)
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--schema={schema}",
                "--no-owner",
                f"--file={dest}",
                f"--dbname={uri}",
            ],
            env,
            "back up the database",
        )
        extra["schema"] = schema
    else:
        raise RecordValidationError(
            f"backup of a {backend} database is not supported; use SQLite or PostgreSQL"
        )
    sha = file_sha256(dest)
    anchor = _write_anchor(dest, head, dest, sha, backend, extra)
    return BackupResult(path=dest, anchor_path=anchor, sha256=sha, head=head, backend=backend)


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def restore(engine: Engine, src: Path, *, force: bool = False, anchor: Path | None = None) -> VerifyReport:
    """Restore the backup ``src`` into the database of ``engine``, then verify the audit chain.

    The backup's sha256 must match the one in its anchor file; after the restore the chain is recomputed
    and its head compared with the anchor.

    Args:
        engine: the target database (its connections are closed first).
        src: the backup file.
        force: replace a database that already holds tables.
        anchor: the anchor file (default: the one beside ``src``).

    Returns:
        The verification report of the restored database (check ``report.ok``).

    Raises:
        IntegrityCheckError: the backup's sha256 differs from its anchor, or the anchor is missing.
        ConflictError: the target holds data and ``force`` is False.
        DatabaseError: pg_restore is missing or failed.
    """
    src = src.expanduser().resolve()
    if not src.is_file():
        raise RecordValidationError(f"backup file {src} does not exist")
    anchor_file = anchor or anchor_path_for(src)
    head = read_anchor(anchor_file)
    recorded = json.loads(anchor_file.read_text(encoding="utf-8")).get("backup_sha256")
    if recorded and recorded != file_sha256(src):
        raise IntegrityCheckError(
            f"backup {src} does not match the sha256 in {anchor_file}: the file was altered"
        )
    if _has_tables(engine) and not force:
        raise ConflictError(
            f"database {engine.url.render_as_string(hide_password=True)} already holds tables; "
            "pass --force to replace it"
        )
    engine.dispose()
    backend = engine.dialect.name
    if backend == "sqlite":
        source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        target = sqlite3.connect(str(_sqlite_path(engine)))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    elif backend == "postgresql":
        env, uri = _pg_env_and_uri(engine.url)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={uri}",
                str(src),
            ],
            env,
            "restore the backup",
        )
    else:
        raise RecordValidationError(f"restore into a {backend} database is not supported")
    engine.dispose()
    with make_session_factory(engine)() as session:
        return verify(session, anchor=head)

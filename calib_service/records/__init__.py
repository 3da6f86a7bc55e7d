"""Trustworthy records (ISO/IEC 17025 6.2, 7.1, 7.4, 7.5, 7.8.8, 7.11): users and roles, job intake,
competence, the four-eyes workflow with revisions, the hash-chained audit log, attachments, inspector
search/export, software validation, backup and restore. See ``docs/records.md``.
"""

from __future__ import annotations

from calib_service.records import audit
from calib_service.records.attachments import read_attachment, store_attachment
from calib_service.records.audit import ChainHead, VerifyReport, append, set_actor, verify, write_anchor
from calib_service.records.backup import backup, restore
from calib_service.records.competence import assert_authorised, grant_authorisation, revoke_authorisation
from calib_service.records.concurrency import commit, conflicts_as_errors
from calib_service.records.jobs import ItemReceived, create_job, get_job, list_jobs, open_calibration
from calib_service.records.permissions import PERMISSIONS, allowed, parse_roles, require
from calib_service.records.search import RecordQuery, export_records, search_records
from calib_service.records.users import (
    authenticate_password,
    authenticate_token,
    count_users,
    create_user,
    get_user,
    issue_token,
    revoke_token,
    set_password,
)
from calib_service.records.validation import ValidationReport, run_validation
from calib_service.records.workflow import TRANSITIONS, revise, revisions_of, transition, transitions_of

__all__ = [
    "PERMISSIONS",
    "TRANSITIONS",
    "ChainHead",
    "ItemReceived",
    "RecordQuery",
    "ValidationReport",
    "VerifyReport",
    "allowed",
    "append",
    "assert_authorised",
    "audit",
    "authenticate_password",
    "authenticate_token",
    "backup",
    "commit",
    "conflicts_as_errors",
    "count_users",
    "create_job",
    "create_user",
    "export_records",
    "get_job",
    "get_user",
    "grant_authorisation",
    "issue_token",
    "list_jobs",
    "open_calibration",
    "parse_roles",
    "read_attachment",
    "require",
    "restore",
    "revise",
    "revisions_of",
    "revoke_authorisation",
    "revoke_token",
    "run_validation",
    "search_records",
    "set_actor",
    "set_password",
    "store_attachment",
    "transition",
    "transitions_of",
    "verify",
    "write_anchor",
]

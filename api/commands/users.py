"""``calib users add|token|list|revoke|authorise``: people, their roles, API tokens and authorisations.

Verbs that change data need an identity: a token from ``--token`` or ``CALIB_TOKEN``. Bootstrap: while
the database has no user, ``calib users add NAME --role admin`` works without one. Passwords are never
taken from the command line (they would show in ``ps`` and shell history): use ``--password-stdin``,
``CALIB_PASSWORD``, or the prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api.commands._common import add_database_option, open_database
from calib_service.db import make_session_factory
from calib_service.errors import AuthenticationError, RecordValidationError
from calib_service.models import ROLES, User
from calib_service.models.base import utcnow
from calib_service.records import audit, commit
from calib_service.records.competence import grant_authorisation
from calib_service.records.users import (
    authenticate_password,
    authenticate_token,
    count_users,
    create_user,
    get_user,
    issue_token,
    list_users,
    revoke_token,
)

__all__ = ["add_token_option", "register", "signed_in_user"]


def add_token_option(parser: argparse.ArgumentParser) -> None:
    """``--token`` (default: ``CALIB_TOKEN``)."""
    parser.add_argument(
        "--token",
        default=None,
        help="API token of the acting user (default: $CALIB_TOKEN); see `calib users token`",
    )


def signed_in_user(args: argparse.Namespace, session: Session, *, required: bool = True) -> User | None:
    """The user of ``--token``/``CALIB_TOKEN``; also names the audit actor of ``session``.

    Raises:
        AuthenticationError: no token (when ``required``), or an invalid, expired or revoked one.
    """
    secret = getattr(args, "token", None) or os.environ.get("CALIB_TOKEN")
    if not secret:
        if required:
            raise AuthenticationError(
                "this command changes data and needs an identity: set CALIB_TOKEN or pass --token "
                "(get one with `calib users token USERNAME`)"
            )
        return None
    user = authenticate_token(session=session, secret=secret, now=utcnow())
    audit.set_actor(session, user.username)
    return user


def _password(args: argparse.Namespace, prompt: str) -> str | None:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise RecordValidationError("--password-stdin given but standard input had no password line")
        return line
    env = os.environ.get("CALIB_PASSWORD")
    if env:
        return env
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return None


def register(sub: Any) -> None:
    """Register the ``users`` verb."""
    p = sub.add_parser("users", help="users, roles, API tokens and technicians' authorisations")
    verbs = p.add_subparsers(dest="users_action", metavar="ACTION")
    verbs.required = True

    add = verbs.add_parser("add", help="add a user (the first user needs no token: bootstrap the admin)")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, choices=ROLES, help="repeat for several roles")
    add.add_argument("--full-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--no-password", action="store_true", help="token-only user (no password login)")
    add.set_defaults(func=_add)

    tok = verbs.add_parser("token", help="issue an API token (admin token, or the user's own password)")
    tok.add_argument("username")
    tok.add_argument("--days", type=float, default=30.0, help="validity in days (default 30, at most 366)")
    tok.add_argument("--name", default="cli", help="a label for the token")
    tok.add_argument(
        "--password-stdin", action="store_true", help="read the user's password from standard input"
    )
    tok.set_defaults(func=_token)

    lst = verbs.add_parser("list", help="list users and their roles")
    lst.set_defaults(func=_list)

    rev = verbs.add_parser("revoke", help="revoke an API token by its id")
    rev.add_argument("token_id", type=int)
    rev.set_defaults(func=_revoke)

    auth = verbs.add_parser("authorise", help="authorise a technician for a procedure (manager)")
    auth.add_argument("username")
    auth.add_argument("procedure", help="procedure code, e.g. 'JJG 596-2012'")
    auth.add_argument("--from", dest="valid_from", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    auth.add_argument(
        "--until", dest="valid_until", type=date.fromisoformat, required=True, help="YYYY-MM-DD"
    )
    auth.add_argument("--certificate-no", default="", help="number of the authorisation certificate")
    auth.set_defaults(func=_authorise)

    for q in (add, tok, lst, rev, auth):
        add_database_option(q)
        add_token_option(q)


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    engine = open_database(args)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _add(args: argparse.Namespace) -> int:
    with _session(args) as session:
        bootstrap = count_users(session=session) == 0
        actor = signed_in_user(args, session, required=not bootstrap)
        if actor is None:
            audit.set_actor(session, f"bootstrap:{args.username}")
        password = None if args.no_password else _password(args, f"password for {args.username}: ")
        if password is None and not args.no_password:
            raise RecordValidationError(
                "no password given: use --password-stdin, CALIB_PASSWORD or --no-password"
            )
        user = create_user(
            session=session,
            actor=actor,
            username=args.username,
            roles=args.role,
            password=password,
            full_name=args.full_name,
        )
        commit(session)
        print(f"user {user.username} (id {user.id}) added with roles {user.roles}")
    return 0


def _token(args: argparse.Namespace) -> int:
    with _session(args) as session:
        user = get_user(session=session, username=args.username)
        actor = signed_in_user(args, session, required=False)
        if actor is None:
            password = _password(args, f"password for {args.username}: ")
            if password is None:
                raise AuthenticationError(
                    "give an admin token (CALIB_TOKEN/--token) or the user's password (--password-stdin)"
                )
            actor = authenticate_password(session=session, username=args.username, password=password)
            audit.set_actor(session, actor.username)
        issued = issue_token(
            session=session, actor=actor, user=user, now=utcnow(), days=args.days, name=args.name
        )
        commit(session)
        print(
            f"token {issued.token.id} for {user.username}, expires {issued.token.expires_at.isoformat()} "
            "(shown once; store it like a password):",
            file=sys.stderr,
        )
        print(issued.secret)
    return 0


def _list(args: argparse.Namespace) -> int:
    with _session(args) as session:
        signed_in_user(args, session)
        users, total = list_users(session=session, offset=0, limit=10_000)
        for u in users:
            print(f"{u.id}\t{u.username}\t{u.roles}\t{'active' if u.active else 'inactive'}\t{u.full_name}")
        print(f"{total} user(s)", file=sys.stderr)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _session(args) as session:
        actor = signed_in_user(args, session)
        assert actor is not None
        token = revoke_token(session=session, actor=actor, token_id=args.token_id, now=utcnow())
        commit(session)
        print(f"token {token.id} ({token.prefix}…) revoked")
    return 0


def _authorise(args: argparse.Namespace) -> int:
    with _session(args) as session:
        actor = signed_in_user(args, session)
        assert actor is not None
        user = get_user(session=session, username=args.username)
        auth = grant_authorisation(
            session=session,
            actor=actor,
            user=user,
            procedure_code=args.procedure,
            valid_from=args.valid_from,
            valid_until=args.valid_until,
            certificate_no=args.certificate_no,
        )
        commit(session)
        print(f"{user.username} authorised for {auth.procedure_code}: {auth.valid_from}–{auth.valid_until}")
    return 0

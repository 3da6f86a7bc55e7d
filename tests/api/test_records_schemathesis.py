"""Schemathesis against the app's own OpenAPI schema, over HTTP, authenticated, on every operation.

Checks: no server error (5xx), status codes, content types, headers and bodies as documented, bad
input rejected, and auth not ignored (a request without the token must get 401). Bounded: a few
examples per operation on SQLite (the API layer is the same on both backends).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from argon2 import PasswordHasher
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from calib_service.db import ensure_schema, make_engine, make_session_factory
from calib_service.models import ROLES
from calib_service.models.base import utcnow
from calib_service.records import audit
from calib_service.records.jobs import ItemReceived, create_job, open_calibration
from calib_service.records.users import create_user, issue_token, use_password_hasher
from calib_service.services.calibrations import ensure_procedure

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, bearer token of an all-roles user) of the app over a seeded SQLite database."""
    previous = use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    folder = tmp_path_factory.mktemp("schemathesis")
    engine = make_engine(f"sqlite:///{folder / 'calib.db'}")
    ensure_schema(engine)
    with make_session_factory(engine)() as s:
        user = create_user(
            session=s, actor=None, username="fuzzer", roles=list(ROLES), password="fuzzer-password"
        )
        audit.set_actor(s, "fuzzer")
        token = issue_token(session=s, actor=user, user=user, now=utcnow(), days=1).secret
        ensure_procedure(
            session=s,
            code="JJG 596-2012",
            title_zh="电能表",
            title_en="meters",
            kind="verification",
            family="electricity",
            data_version="1",
        )
        job = create_job(
            session=s,
            actor=user,
            customer_name="客户",
            service_requested="verification",
            received_at=utcnow(),
            agreed_due_date=utcnow().date(),
            items=[ItemReceived("electricity", "meter", "S-1", "intact")],
        )
        open_calibration(
            session=s, actor=user, job_id=job.id, item_seq=1, procedure_code="JJG 596-2012", now=utcnow()
        )
        s.commit()
    mp = pytest.MonkeyPatch()
    mp.setenv("CALIB_DATA_DIR", str(folder / "data"))
    app = create_app(engine)
    mp.undo()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
        use_password_hasher(previous)


def _runner(operation: Any, base: str, token: str, checks: list[Any], examples: int = 4) -> Any:
    """A hypothesis test of one operation: a few generated cases, each called and validated."""

    @settings(
        max_examples=examples,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as found
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {token}"}, checks=checks)

    return run


#: Operations of the traceability work that still answer 500 to an id beyond the database's integer range
#: (their path ids have no bounds yet; reported to the lead). Run separately as an expected failure so
#: the main test stays strict for everything else; delete this set once they are fixed.
def _run_all(served: tuple[str, str]) -> tuple[int, list[str]]:
    base, token = served
    api = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _runner(operation, base, token, CHECKS)()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # collected: one report for every failing operation
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    return operations, failures


def test_api_conforms_to_its_schema(served: tuple[str, str]) -> None:
    """Every operation, a few generated cases each; all failures are collected and reported together.

    (schemathesis' pytest plugin does not run under pytest 9 here, so the operations are driven directly.)
    """
    operations, failures = _run_all(served)
    assert operations >= 30
    assert not failures, "\n\n".join(failures)

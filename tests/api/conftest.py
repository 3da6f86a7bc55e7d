"""A live uvicorn server over the real app, for tests that talk HTTP.

Every route but /health and the docs needs an identity (issue 7): the server's base URL carries the
username and password of a user holding every role (``http://api-tester:…@127.0.0.1:port``), which
httpx sends as HTTP Basic credentials. Tests of who may do what use their own users and tokens.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import Engine

from api.app import create_app
from calib_service.db import make_session_factory
from calib_service.models import ROLES
from calib_service.records.users import create_user, use_password_hasher

API_TESTER = ("api-tester", "api-tester-password-1")


@pytest.fixture(autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """argon2id with small parameters: the production profile takes about a second per check here."""
    previous = use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    use_password_hasher(previous)


def _add_tester(engine: Engine) -> None:
    with make_session_factory(engine)() as s:
        create_user(session=s, actor=None, username=API_TESTER[0], roles=list(ROLES), password=API_TESTER[1])
        s.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live_server(engine: Engine) -> Iterator[str]:
    """Base URL (with the all-roles tester's credentials) of the app served by uvicorn on a free port."""
    _add_tester(engine)
    port = _free_port()
    config = uvicorn.Config(
        create_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{API_TESTER[0]}:{API_TESTER[1]}@127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

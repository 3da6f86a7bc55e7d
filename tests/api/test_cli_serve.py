"""``calib serve`` as a user runs it: uvicorn on a port, over the database the demo filled."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

CALIB = str(Path(sys.executable).parent / "calib")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_answers_over_http(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calib.db'}"
    env = {**os.environ, "CALIB_DATABASE_URL": url}
    port = _free_port()
    proc = subprocess.Popen(
        [CALIB, "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                r = httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, "calib serve exited early"
                assert time.monotonic() < deadline, "calib serve did not come up"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["database"] == "sqlite"
        assert r.json()["schema_revision"]  # the empty database was upgraded on start
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0

"""The layering contract, mypy --strict and ruff run as part of the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    other = shutil.which(name)
    assert other, f"{name} is not installed; install the test extra: pip install -e '.[test]'"
    return other


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_layers_contract() -> None:
    result = _run([_tool("lint-imports")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run([_tool("mypy")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = _run([_tool("ruff"), "check", "."])
    assert result.returncode == 0, result.stdout + result.stderr

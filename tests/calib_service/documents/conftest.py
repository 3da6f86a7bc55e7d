"""Shared fixtures of the document tests: the pinned DCC schema beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError(f"no pyproject.toml above {here}")


@pytest.fixture(scope="session")
def dcc_xsd() -> Path:
    """``shared/dcc/dcc.xsd`` beside the repository (CI clones the repo with shared/ next to it)."""
    path = _repo_root().parent / "shared" / "dcc" / "dcc.xsd"
    if not path.is_file():
        pytest.fail(f"pinned DCC schema not found at {path}; shared/ must sit beside the repository")
    return path

"""calib_service.documents stays independent of the database and the web layer.

It may import the standard library, lxml, reportlab, openpyxl, PyYAML and itself only (the lead fills its
data classes from records elsewhere). Checked on the source with ast, so a violation fails here.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import calib_service.documents as documents

ALLOWED_THIRD_PARTY = {"lxml", "reportlab", "openpyxl", "yaml"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_documents_imports_only_allowed_packages() -> None:
    package_dir = Path(documents.__file__).parent
    bad = {}
    for path in sorted(package_dir.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
                continue
            if name == "calib_service.documents" or name.startswith("calib_service.documents."):
                continue
            bad.setdefault(path.name, []).append(name)
    assert not bad, f"forbidden imports in calib_service/documents: {bad}"

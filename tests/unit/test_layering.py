"""The core's layers: `optim` is the ground floor (it imports nothing from `landscapes`), and
no core module hides an import inside a function to dodge an import cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted([*ROOT.glob("optim/*.py"), *ROOT.glob("landscapes/*.py")])


def test_importing_optim_loads_no_landscapes_module():
    code = "import optim, sys; print(sorted(m for m in sys.modules if m.startswith('landscapes')))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("path", CORE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_core_modules_import_at_module_level_only(path):
    tree = ast.parse(path.read_text())
    hidden = [
        f"line {node.lineno}"
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert hidden == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("optim/*.py")), ids=lambda p: p.name)
def test_optim_modules_name_no_landscapes_import(path):
    tree = ast.parse(path.read_text())
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name.split(".")[0] == "landscapes"]

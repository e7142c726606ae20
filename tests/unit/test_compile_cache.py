"""The app server keeps JAX's compiled programs on disk (`app_support.compile_cache`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import jax, jax.numpy as jnp
from app_support.compile_cache import use_persistent_compile_cache
print(repr(use_persistent_compile_cache()))
jax.jit(lambda x: jnp.sin(x) * 3)(jnp.ones(5)).block_until_ready()
"""


def _run(cache: str | None, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "LLL_JAX_CACHE"}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), **({"LLL_JAX_CACHE": cache} if cache else {}))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _entries(directory: Path) -> list[str]:
    return [p.name for p in directory.rglob("*-cache")] if directory.exists() else []


def test_compiled_programs_are_written_to_the_chosen_directory(tmp_path):
    chosen = tmp_path / "chosen"
    assert _run(str(chosen), home=tmp_path) == repr(str(chosen))
    assert _entries(chosen) and not _entries(tmp_path / ".cache")


def test_by_default_they_go_under_the_home_directory(tmp_path):
    _run(None, home=tmp_path)
    assert _entries(tmp_path / ".cache" / "loss-landscape-lab" / "jax")


def test_the_cache_can_be_turned_off(tmp_path):
    assert _run("off", home=tmp_path) == "''"
    assert _entries(tmp_path) == []

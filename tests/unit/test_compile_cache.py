"""The app server keeps JAX's compiled programs on disk (`app_support.compile_cache`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app_support.compile_cache import check_directory, prune

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


# --- a cache that only the server can write -------------------------------------------------

CHECK = (
    """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="%(message)s")
"""
    + SCRIPT
)


def _run_checked(cache: Path, home: Path, **extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLL_JAX_CACHE")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), LLL_JAX_CACHE=str(cache), **extra)
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_a_new_cache_directory_is_private_to_the_server(tmp_path):
    chosen = tmp_path / "made" / "jax"
    _run_checked(chosen, tmp_path)
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o700
    assert _entries(chosen)


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o720, 0o702])
def test_a_directory_writable_by_others_is_refused_with_a_warning(tmp_path, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    out = _run_checked(shared, tmp_path)
    assert "not used" in out and "writable by group or others" in out
    assert out.strip().endswith("''")  # runs on without a persistent cache
    assert _entries(shared) == []


def test_a_link_or_a_file_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    assert "not a directory" in _run_checked(tmp_path / "link", tmp_path)
    (tmp_path / "file").write_text("")
    assert "not a directory" in _run_checked(tmp_path / "file", tmp_path)
    assert _entries(real) == []


def test_a_directory_of_another_user_is_refused(tmp_path, monkeypatch):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(theirs, 12345, -1)  # another user's
    else:  # owned by us: pretend to be another (non-root) user
        monkeypatch.setattr(os, "geteuid", lambda: os.stat(theirs).st_uid + 1)
    assert "belongs to user" in check_directory(theirs)
    monkeypatch.undo()
    if os.geteuid() == 0:
        out = _run_checked(theirs, tmp_path)
        assert "belongs to user 12345" in out and _entries(theirs) == []


def test_a_read_only_cache_is_read_and_never_written(tmp_path):
    baked = tmp_path / "baked"
    _run_checked(baked, tmp_path)  # the image build fills it
    before = sorted(p.name for p in baked.rglob("*"))
    baked.chmod(0o500)
    try:
        out = _run_checked(baked, tmp_path, LLL_JAX_CACHE_READONLY="1")
        assert "not used" not in out
        other = SCRIPT.replace("* 3", "* 4")  # a program not in the cache: not written
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLL_JAX_CACHE")}
        env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT), LLL_JAX_CACHE=str(baked))
        env["LLL_JAX_CACHE_READONLY"] = "1"
        subprocess.run([sys.executable, "-c", other], env=env, check=True, capture_output=True)
        assert sorted(p.name for p in baked.rglob("*")) == before
    finally:
        baked.chmod(0o700)


def test_prune_deletes_the_oldest_files_until_the_cache_fits(tmp_path):
    for age, name in enumerate(["newest", "middle", "oldest"]):
        path = tmp_path / name
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1e9 - age * 100, 1e9 - age * 100))
    assert prune(tmp_path, 2500) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["middle", "newest"]
    assert prune(tmp_path, 10_000) == 0


def test_the_cap_reaches_the_running_server(tmp_path):
    full = tmp_path / "full"
    full.mkdir(mode=0o700)
    (full / "old-entry-cache").write_bytes(b"x" * 3 * 2**20)
    os.utime(full / "old-entry-cache", (1e9, 1e9))
    _run_checked(full, tmp_path, LLL_JAX_CACHE_MAX_MB="1")
    assert not (full / "old-entry-cache").exists()
    assert _entries(full)  # the new entry is written

"""Every test session gets a JAX compilation cache of its own.

The app turns JAX's persistent compilation cache on (`app_support.compile_cache`), and so does
a test that runs `app.py` through AppTest, for the rest of the test process; the browser
tests' servers inherit the environment. Without this they would all read and write the
developer's `~/.cache/loss-landscape-lab/jax`, filled by other runs and other versions of the
code: a local run would depend on that history (CI starts empty), and one local run aborted
while loading an entry from it. A fresh directory per session keeps the cache exercised and
the runs repeatable. A session started with `LLL_JAX_CACHE` set uses that instead.
"""

import os
import shutil
import tempfile

if "LLL_JAX_CACHE" not in os.environ:
    os.environ["LLL_JAX_CACHE"] = tempfile.mkdtemp(prefix="lll-jax-cache-")


def pytest_unconfigure(config):
    directory = os.environ.get("LLL_JAX_CACHE", "")
    if os.path.basename(directory).startswith("lll-jax-cache-"):
        shutil.rmtree(directory, ignore_errors=True)

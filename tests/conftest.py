"""The test process compiles without JAX's persistent compilation cache.

The app turns the cache on (`app_support.compile_cache`), and a test that runs `app.py`
through AppTest did so for the rest of the test process, whose later tests then read and wrote
serialized programs in the developer's `~/.cache/loss-landscape-lab/jax`: a local run depended
on that directory's history, which CI never has. The browser tests' servers still use the
cache, as a deployment does, in a directory of the session's own (`tests/e2e/conftest.py`:
`server_env`).
"""

import os

os.environ["LLL_JAX_CACHE"] = "off"

"""The test process compiles without JAX's persistent compilation cache.

The app turns the cache on (`app_support.compile_cache`), and a test that runs `app.py`
through AppTest did so for the rest of the test process, whose later tests then read and wrote
serialized programs in the developer's `~/.cache/loss-landscape-lab/jax`: a local run depended
on that directory's history, which CI never has. The browser tests' servers still use the
cache, as a deployment does, in a directory of the session's own (`tests/e2e/conftest.py`:
`server_env`).

Property tests draw the same examples on every run (``derandomize``): a suite that found a new
counterexample on one CI run in twenty would be a flaky suite, not a stricter one. To hunt for
new counterexamples locally, run with ``--hypothesis-profile=explore``.
"""

import os

from hypothesis import settings

os.environ["LLL_JAX_CACHE"] = "off"

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")

#!/usr/bin/env bash
# Installs everything the tests need and runs all of them: lint, unit, app (AppTest) and
# end-to-end tests in a real headless Chromium. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# the emoji font lets the saved screenshots show the pages' icons as a student's browser does;
# the classroom store's tests start their own redis-server; npm installs axe-core (below).
if ! command -v chromium >/dev/null 2>&1 || ! fc-list | grep -qi "color emoji" \
  || ! command -v redis-server >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-color-emoji \
    redis-server nodejs npm >/dev/null
fi

# axe-core (the accessibility checks of tests/e2e/test_accessibility.py), pinned, in a cache
# directory outside the repository; the tests fail without it.
export LLL_AXE_DIR="${LLL_AXE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/loss-landscape-lab/axe}"
AXE_VERSION="4.11.0"
if [ "$(node -p "require('$LLL_AXE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null)" \
  != "$AXE_VERSION" ]; then
  npm install --silent --no-audit --no-fund --prefix "$LLL_AXE_DIR" "axe-core@$AXE_VERSION"
fi

python3 -m ruff check .
python3 -m ruff format --check .
if [ "$#" -gt 0 ]; then
  python3 -m pytest "$@"
else
  # One process per layer: the unit, app and browser tests each compile hundreds of XLA
  # programs, and one process holding all of them crashed inside XLA's compiler (a segfault
  # in a late app test, once in a full run); each layer alone keeps a process smaller.
  # The browser tests mostly wait (on the app's server and on Chromium): they run beside the
  # unit and app tests, which keep a core busy, and their report follows theirs.
  mkdir -p artifacts
  python3 -m pytest tests/e2e >artifacts/e2e-pytest.log 2>&1 &
  browser=$!
  status=0
  python3 -m pytest tests/unit || status=1
  python3 -m pytest tests/app || status=1
  wait "$browser" || status=1
  cat artifacts/e2e-pytest.log
  exit "$status"
fi

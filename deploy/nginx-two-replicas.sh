#!/usr/bin/env bash
# The classroom load test through deploy/nginx.conf in front of two Streamlit replicas, all on
# 127.0.0.1: Debian's redis-server (classroom rooms, shared by the replicas through REDIS_URL),
# two `streamlit run app.py` on free ports, Debian's nginx (/usr/sbin/nginx) with this
# directory's site config (only its upstream ports and listen port replaced), 50 simulated
# students. It reports how many websocket sessions each replica served and any handshake that
# was not upgraded; every process it starts is stopped when it ends. Extra arguments go to
# bench.load (e.g. --students 20 --duration 30).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m bench.load --replicas 2 "$@"

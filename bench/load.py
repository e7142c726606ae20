"""Classroom load test: many students move sliders on one page at the same time.

Each simulated student is a real Streamlit session over the websocket (``bench.streamlit_client``):
it loads the page the way a browser does (GET ``/``, then the websocket, then a first run), then,
until the time is up, waits a few seconds, moves a random slider to a random value and waits for
the rerun to finish. Meanwhile two more sessions check isolation: they hold one slider at two
different values, rerun together again and again, and each must always see its own figures and
its own deep link. The server's resident memory is sampled every second.

    python -m bench.load                                # 50 students, 60 s, one local server
    python -m bench.load --students 10 --duration 20    # a quick look
    python -m bench.load --replicas 2                   # two servers behind nginx, with Redis
    python -m bench.load --url http://127.0.0.1:8501 --pid 1234   # a server already running

Reported: rerun latency p50/p95 (target p95 ≤ 1.5 s for 50 students on 2 cores), errors
(exception boxes, compile errors) and dropped sessions (target: none), isolation, the server's
memory over time (target: flat once every student is in), and, behind nginx, how many sessions
each replica served. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np
from streamlit.proto.Slider_pb2 import Slider

from bench.serve import deployment, rss_mib
from bench.streamlit_client import SessionError, StreamlitSession, Widget, fetch_cookie

P95_TARGET_S = 1.5
MEMORY_GROWTH_LIMIT = 0.10  # of the steady-state RSS, between the second and the last quarter


@dataclass
class Tally:
    """What all students saw, appended to as they go."""

    page_loads: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def record(self, result, times: list[float]) -> None:
        times.append(result.seconds)
        self.errors += result.exceptions
        if result.compile_error:
            self.errors.append("the page failed to compile")


def numeric_sliders(session: StreamlitSession, labels: list[str]) -> list[Widget]:
    """The page's sliders a student may move, optionally only those whose label matches."""
    return [
        w
        for w in session.find("slider")
        if (w.proto.type == Slider.SELECT_SLIDER or w.proto.data_type in (Slider.INT, Slider.FLOAT))
        and not w.proto.disabled
        and (not labels or any(label in w.label for label in labels))
    ]


def slider_value(widget: Widget, fraction: float) -> float | str:
    """The slider's value at ``fraction`` of its range, on its grid of steps or options."""
    proto = widget.proto
    if proto.type == Slider.SELECT_SLIDER:
        return proto.options[round(fraction * (len(proto.options) - 1))]
    n_steps = int(round((proto.max - proto.min) / proto.step))
    value = proto.min + round(fraction * n_steps) * proto.step
    return int(round(value)) if proto.data_type == Slider.INT else value


def random_value(widget: Widget, rng: random.Random) -> list:
    """A value a student might drag ``widget`` to (a pair, in order, for a range slider)."""
    return [slider_value(widget, f) for f in sorted(rng.random() for _ in widget.proto.default)]


async def student(
    url: str,
    page: str,
    labels: list[str],
    until: float,
    think: tuple[float, float],
    seed: int,
    tally: Tally,
) -> None:
    """One student: load the page, then move a slider every few seconds until ``until``."""
    rng = random.Random(seed)
    try:
        cookie = await asyncio.to_thread(fetch_cookie, url)
        async with StreamlitSession(url, page=page, cookie=cookie) as session:
            tally.record(await session.run(), tally.page_loads)
            while time.monotonic() + think[0] < until:
                await asyncio.sleep(min(rng.uniform(*think), max(until - time.monotonic(), 0)))
                sliders = numeric_sliders(session, labels)
                if time.monotonic() >= until or not sliders:
                    break
                widget = rng.choice(sliders)
                session.set(widget, random_value(widget, rng))
                tally.record(await session.run(), tally.reruns)
    except (SessionError, OSError) as error:
        tally.dropped.append(f"{type(error).__name__}: {error}")


async def isolation(url: str, page: str, labels: list[str], until: float, rounds: int) -> list[str]:
    """Two sessions hold one slider at two values; each must always see only its own state.

    Returns the failures found (none when the sessions are isolated).
    """
    cookies = await asyncio.gather(*(asyncio.to_thread(fetch_cookie, url) for _ in range(2)))
    async with (
        StreamlitSession(url, page=page, cookie=cookies[0]) as first,
        StreamlitSession(url, page=page, cookie=cookies[1]) as second,
    ):
        await asyncio.gather(first.run(), second.run())
        sliders = numeric_sliders(first, labels)
        if not sliders:
            return [f"page {page!r} has no slider to test isolation with"]
        widget = sliders[0]
        first.set(widget, slider_value(widget, 0.25))
        second.set(widget, slider_value(widget, 0.75))
        await asyncio.gather(first.run(), second.run())
        expected = first.fingerprint(), second.fingerprint()
        if expected[0] == expected[1]:
            return [f"moving {widget.label!r} from 25 % to 75 % changed nothing on the page"]
        failures = []
        pause = max(until - time.monotonic(), 0) / rounds
        for round_ in range(rounds):
            await asyncio.sleep(pause * 0.5)
            await asyncio.gather(first.run(), second.run())
            seen = first.fingerprint(), second.fingerprint()
            failures += [
                f"round {round_}: session {i} saw {'the other' if s in expected else 'a'} state"
                for i, s in enumerate(seen)
                if s != expected[i]
            ]
        return failures


async def memory(pids: list[int], until: float, every: float = 1.0) -> list[tuple]:
    """(seconds since start, RSS MiB of each pid) every ``every`` seconds until ``until``."""
    start = time.monotonic()
    samples = []
    while time.monotonic() < until:
        samples.append((time.monotonic() - start, [rss_mib(pid) for pid in pids]))
        await asyncio.sleep(every)
    return samples


async def classroom(args, url: str, pids: list[int]) -> tuple[Tally, list[str], list[tuple]]:
    """Run every student, the isolation pair and the memory sampler side by side."""
    tally = Tally()
    start = time.monotonic()
    until = start + args.ramp + args.duration
    sampler = asyncio.create_task(memory(pids, until))
    students = []
    for i in range(args.students):
        # A class does not click the link in the same millisecond: spread the arrivals.
        students.append(
            asyncio.create_task(
                student(url, args.page, args.slider, until, args.think, args.seed + i, tally)
            )
        )
        await asyncio.sleep(args.ramp / args.students)
    failures = await isolation(url, args.page, args.slider, until, rounds=10)
    await asyncio.gather(*students)
    return tally, failures, await sampler


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def replica_counts(access_log: str) -> tuple[Counter, list[str]]:
    """Websocket sessions per replica, and the websocket requests that were not upgraded."""
    sessions, failed = Counter(), []
    for line in access_log.splitlines():
        match = re.match(r"GET /_stcore/stream (\d+) upstream=(\S+)", line)
        if match:
            status, upstream = match.groups()
            if status == "101":
                sessions[upstream] += 1
            else:
                failed.append(line)
    return sessions, failed


class Verdicts:
    """Targets checked one by one: `verdict(met)` gives the word to print, `ok` whether all
    were met."""

    def __init__(self):
        self.ok = True

    def __call__(self, met: bool) -> str:
        self.ok &= bool(met)
        return "met" if met else "MISSED"


def report(args, first_load: float, tally: Tally, failures, samples, pids, replicas) -> bool:
    """Print the results against the targets; True when every target is met."""
    verdict = Verdicts()

    p50, p95 = percentile(tally.reruns, 50), percentile(tally.reruns, 95)
    print(
        f"\nclassroom load test: {args.students} students on page {args.page!r} for "
        f"{args.duration:.0f} s after a {args.ramp:.0f} s ramp, each moving a slider every "
        f"{args.think[0]:g}-{args.think[1]:g} s, {args.replicas} server(s)"
    )
    print(f"first page load (fresh server, JAX compilation included): {first_load:.2f} s")
    print(
        f"page load per student: p50 {percentile(tally.page_loads, 50):.3f} s, "
        f"p95 {percentile(tally.page_loads, 95):.3f} s ({len(tally.page_loads)} loads)"
    )
    print(
        f"rerun latency: p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(tally.reruns, default=0):.3f}"
        f" s over {len(tally.reruns)} reruns ({len(tally.reruns) / args.duration:.1f}/s); "
        f"target p95 <= {P95_TARGET_S} s: {verdict(p95 <= P95_TARGET_S)}"
    )
    errors = Counter(tally.errors)
    print(f"errors: {len(tally.errors)}; target 0: {verdict(not tally.errors)}")
    for message, count in errors.most_common(5):
        print(f"  {count} x {message[:200]}")
    print(f"dropped sessions: {len(tally.dropped)}; target 0: {verdict(not tally.dropped)}")
    for message, count in Counter(tally.dropped).most_common(5):
        print(f"  {count} x {message[:200]}")
    print(f"isolation (2 sessions, 10 rounds under load): {verdict(not failures)}")
    for failure in failures[:5]:
        print(f"  {failure}")

    steady = [rss for t, rss in samples if t >= args.ramp]
    for i, pid in enumerate(pids):
        series = [rss[i] for rss in steady]
        quarter = max(len(series) // 4, 1)
        before, after = np.median(series[quarter : 2 * quarter]), np.median(series[-quarter:])
        growth = (after - before) / before
        every = max(len(samples) // 8, 1)
        marks = "  ".join(f"{t:.0f}s:{rss[i]:.0f}" for t, rss in samples[::every])
        print(f"server {pid} RSS MiB over time: {marks}")
        print(
            f"  steady state {before:.0f} -> {after:.0f} MiB ({growth:+.1%}); "
            f"flat (within {MEMORY_GROWTH_LIMIT:.0%}): {verdict(growth <= MEMORY_GROWTH_LIMIT)}"
        )
    if replicas is not None:
        sessions, failed = replicas
        spread = ", ".join(f"{upstream}: {n}" for upstream, n in sorted(sessions.items()))
        print(
            f"websocket sessions per replica: {spread}; every replica used: "
            f"{verdict(len(sessions) == args.replicas)}"
        )
        print(f"websocket handshakes not upgraded: {len(failed)}; target 0: {verdict(not failed)}")
    print(f"client CPU time: {time.process_time():.1f} s")
    return verdict.ok


async def first_page_load(url: str, page: str) -> float:
    cookie = await asyncio.to_thread(fetch_cookie, url)
    async with StreamlitSession(url, page=page, cookie=cookie) as session:
        result = await session.run()
    if result.exceptions:
        raise SystemExit(f"the page shows an exception: {result.exceptions[0]}")
    return result.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds after the ramp")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which they arrive")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(2.0, 6.0),
        metavar=("MIN", "MAX"),
        help="seconds between two slider moves of one student",
    )
    parser.add_argument("--page", default="playground", help="URL path of the page")
    parser.add_argument(
        "--slider",
        action="append",
        default=[],
        metavar="LABEL",
        help="move only sliders whose label contains LABEL (repeatable; default: all)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replicas", type=int, default=1, help=">1: behind deploy/nginx.conf")
    parser.add_argument("--app", default="app.py", help="the Streamlit script to serve")
    parser.add_argument("--url", help="test a server already running (localhost only)")
    parser.add_argument("--pid", type=int, action="append", default=[], help="its process id")
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        if args.url:
            if not re.match(r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?/?$", args.url):
                parser.error("--url must be a loopback address")
            url, urls, pids, proxy = args.url, [args.url], args.pid, None
        else:
            deployed = stack.enter_context(deployment(args.replicas, args.app))
            urls, pids = [s.url for s in deployed.servers], [s.pid for s in deployed.servers]
            url, proxy = deployed.url, deployed.proxy
        # Like a lecturer opening the page before class: every server gets its first load
        # (and its JAX compilation) before the students arrive.
        first_load = max(asyncio.run(first_page_load(u, args.page)) for u in urls)
        tally, failures, samples = asyncio.run(classroom(args, url, pids))
        replicas = replica_counts(proxy.access_log.read_text()) if proxy else None
        ok = report(args, first_load, tally, failures, samples, pids, replicas)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

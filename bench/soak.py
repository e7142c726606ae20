"""Lecture soak test: a class on every page for a whole lecture, with students coming and going.

    python -m bench.soak                                  # 50 students, 30 minutes, 200 sessions
    python -m bench.soak --students 10 --duration 120 --sessions 20   # a quick look

`students` seats are taken all the time; each seat holds a session for a while (a random
share of the run), closes it as a student closing the tab, and a new student arrives in its
place, so that `sessions` distinct sessions come over the run. The lecture moves through the
app's pages in the navigation's order (`app_support.navigation.PAGES`), an equal share of the
run each; a student follows it (switching pages in the same session, as the navigation does)
and now and then wanders to another page, and moves a random slider every few seconds, as in
`bench.load`. Before the class the lecturer opens every page once; after the last student
leaves, the server idles for `settle` seconds.

Reported against the targets: server RSS under 1 GiB throughout; growth ≤ 10 % between the
end of the first 5 minutes (or the first sixth of a shorter run) and the end; after everyone
left, RSS back to within 10 % of that early level; 0 errors and 0 dropped sessions; rerun p95
≤ 1.5 s. The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import numpy as np

from app_support.navigation import PAGES
from bench.load import Tally, Verdicts, memory, numeric_sliders, percentile, random_value
from bench.serve import streamlit_server
from bench.streamlit_client import SessionError, StreamlitSession, fetch_cookie

RSS_LIMIT_MIB = 1024
GROWTH_LIMIT = 0.10
P95_TARGET_S = 1.5
WANDER = 0.1  # chance that a student's next move is to another page than the lecture's


def lecture_page(pages: list[str], elapsed: float, duration: float) -> str:
    """The page the lecture is on after `elapsed` seconds: each gets an equal share."""
    return pages[min(int(elapsed / duration * len(pages)), len(pages) - 1)]


async def seat(url, pages, start, until, lifetimes, think, rng, tally, sessions) -> None:
    """One seat of the hall: students one after another, each for their `lifetimes` share."""
    duration = until - start
    for lifetime in lifetimes:
        leave = min(time.monotonic() + lifetime, until)
        if time.monotonic() >= until:
            return
        sessions.append(1)
        try:
            cookie = await asyncio.to_thread(fetch_cookie, url)
            page = lecture_page(pages, time.monotonic() - start, duration)
            async with StreamlitSession(url, page=page, cookie=cookie) as session:
                tally.record(await session.run(), tally.page_loads)
                while time.monotonic() + think[0] < leave:
                    await asyncio.sleep(rng.uniform(*think))
                    now = time.monotonic()
                    wanted = lecture_page(pages, now - start, duration)
                    if rng.random() < WANDER:
                        wanted = rng.choice(pages)
                    if wanted != session.page:
                        session.go_to(wanted)
                        tally.record(await session.run(), tally.page_loads)
                        continue
                    sliders = numeric_sliders(session, [])
                    if sliders:
                        widget = rng.choice(sliders)
                        session.set(widget, random_value(widget, rng))
                        tally.record(await session.run(), tally.reruns)
        except (SessionError, OSError) as error:
            tally.dropped.append(f"{type(error).__name__}: {error}")


def lifetimes_for(seats: int, sessions: int, duration: float, rng: random.Random) -> list:
    """Per seat, session lifetimes (s) that fill the run with about `sessions` in all."""
    per_seat = max(1, round(sessions / seats))
    mean = duration / per_seat
    return [[rng.uniform(0.5, 1.5) * mean for _ in range(per_seat + 2)] for _ in range(seats)]


async def dry_run(url: str, pages: list[str]) -> None:
    """The lecturer opens every page before class: each page's first run (its compilations)
    happens before the students arrive, as in `bench.load`."""
    cookie = await asyncio.to_thread(fetch_cookie, url)
    async with StreamlitSession(url, cookie=cookie, timeout=600) as session:
        for page in pages:
            session.go_to(page)
            result = await session.run()
            if result.exceptions:
                raise SystemExit(f"page {page!r} shows an exception: {result.exceptions[0]}")


async def lecture(args, url: str, pid: int):
    pages = [Path(info.path).stem for info in PAGES]
    await dry_run(url, pages)
    rng = random.Random(args.seed)
    tally, sessions = Tally(), []
    start = time.monotonic()
    until = start + args.duration
    sampler = asyncio.create_task(memory([pid], until + args.settle, every=2.0))
    seats = []
    for lifetimes in lifetimes_for(args.students, args.sessions, args.duration, rng):
        student_rng = random.Random(rng.random())
        work = seat(url, pages, start, until, lifetimes, args.think, student_rng, tally, sessions)
        seats.append(asyncio.create_task(work))
        await asyncio.sleep(args.ramp / args.students)
    await asyncio.gather(*seats)
    return tally, len(sessions), await sampler


def report(args, tally: Tally, sessions: int, samples) -> bool:
    """Print the results against the targets; True when every target is met."""
    verdict = Verdicts()

    p50, p95 = percentile(tally.reruns, 50), percentile(tally.reruns, 95)
    print(
        f"\nlecture soak: {args.students} students at a time, {sessions} sessions over "
        f"{args.duration:.0f} s across {len(PAGES)} pages, then {args.settle:.0f} s idle"
    )
    print(
        f"page loads and switches: p50 {percentile(tally.page_loads, 50):.3f} s, "
        f"p95 {percentile(tally.page_loads, 95):.3f} s ({len(tally.page_loads)})"
    )
    print(
        f"rerun latency: p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(tally.reruns, default=0):.3f}"
        f" s over {len(tally.reruns)} reruns; target p95 <= {P95_TARGET_S} s: "
        f"{verdict(p95 <= P95_TARGET_S)}"
    )
    print(f"errors: {len(tally.errors)}; target 0: {verdict(not tally.errors)}")
    for message in sorted(set(tally.errors))[:5]:
        print(f"  {message[:200]}")
    print(f"dropped sessions: {len(tally.dropped)}; target 0: {verdict(not tally.dropped)}")
    for message in sorted(set(tally.dropped))[:5]:
        print(f"  {message[:200]}")
    times = np.array([t for t, _ in samples])
    rss = np.array([r[0] for _, r in samples])
    early_at = min(300.0, args.duration / 6)
    early = float(np.max(rss[times <= early_at]))
    end = float(np.median(rss[(times > args.duration - 30) & (times <= args.duration)]))
    after = float(rss[-1])
    every = max(len(samples) // 10, 1)
    marks = zip(times[::every], rss[::every], strict=True)
    print("server RSS MiB: " + "  ".join(f"{t:.0f}s:{r:.0f}" for t, r in marks))
    peak = float(rss.max())
    print(f"  peak {peak:.0f} MiB; under {RSS_LIMIT_MIB}: {verdict(peak < RSS_LIMIT_MIB)}")
    growth = (end - early) / early
    print(
        f"  at {early_at:.0f} s {early:.0f} MiB -> at the end {end:.0f} MiB ({growth:+.1%}); "
        f"within {GROWTH_LIMIT:.0%}: {verdict(growth <= GROWTH_LIMIT)}"
    )
    print(
        f"  after everyone left {after:.0f} MiB; back within {GROWTH_LIMIT:.0%} of the early "
        f"level: {verdict(after <= early * (1 + GROWTH_LIMIT))}"
    )
    return verdict.ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--students", type=int, default=50, help="students at a time")
    parser.add_argument("--sessions", type=int, default=200, help="distinct sessions in all")
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds of lecture")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which they arrive")
    parser.add_argument("--settle", type=float, default=60.0, help="idle seconds at the end")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--app", default="app.py")
    args = parser.parse_args(argv)
    with streamlit_server(args.app) as server:
        tally, sessions, samples = asyncio.run(lecture(args, server.url, server.pid))
        ok = report(args, tally, sessions, samples)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

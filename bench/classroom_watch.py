"""What idle followers cost the server, and how fast a sent view reaches them.

One server, one lecturer who starts a room, N students in it (websocket sessions of
`bench.streamlit_client`, each a server-side session like a browser tab's), measured as the
server process's CPU time (/proc), for the two ways a follower's page can learn of a new view
(`app_support.classroom.follow`), each on a server of its own in the same run:

- ``fragment`` (``LLL_CLASSROOM_WATCH=fragment``): each student sends what its browser's
  ``st.fragment(run_every=...)`` timer sends every `follow.WATCH_SECONDS`: a rerun of the
  watcher fragment alone, which reads the room's version and draws nothing; and, for scale,
  ``full``: a whole page rerun at the same rate instead;
- ``push`` (the default): the students send nothing; the server's watcher thread reads the
  room's version and reruns their sessions when it changes.

``idle`` is the same sessions connected and sending nothing. On the push server the lecturer
then turns auto-send on and moves a slider a few times; each student's rerun with the new view
is timed from the lecturer's move (follow latency).

    python -m bench.classroom_watch                  # 100 students, 20 s a phase
    python -m bench.classroom_watch --students 50 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import time
from pathlib import Path

from app_support.classroom.follow import WATCH_SECONDS
from bench.serve import streamlit_server
from bench.streamlit_client import StreamlitSession

TARGET_PERCENT_PER_100 = 10.0
TARGET_LATENCY_P95 = 1.0
SLIDER_MOVES = (0.5, 0.8, 0.3, 0.6, 0.2)  # ρ₁ values the lecturer sends
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far (/proc, Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def start_room(url: str) -> tuple[StreamlitSession, str]:
    """A lecturer opens the home page, the classroom menu and clicks "Start a room"."""
    lecturer = StreamlitSession(url, page="", timeout=120)
    await lecturer.connect()
    await lecturer.run()
    (menu,) = lecturer.find("expandable", "Classroom")
    lecturer.set(menu, True)
    await lecturer.run()
    (start,) = lecturer.find("button", "Start a room")
    lecturer.set(start, True)
    await lecturer.run()
    for element in lecturer.elements.values():
        if element.WhichOneof("type") == "markdown":
            found = re.search(r"Your room: \*\*(\w+)\*\*", element.markdown.body)
            if found:
                return lecturer, found.group(1)
    raise RuntimeError("the lecturer's page shows no room code")


async def student(url: str, code: str) -> tuple[StreamlitSession, str]:
    """A student who opens the join link; with the id of its watcher fragment, if any."""
    session = StreamlitSession(url, page="", query_string=f"room={code}", timeout=120)
    await session.connect()
    await session.run()
    return session, next(iter(session.auto_reruns), "")


async def ticking(students, mode: str, seconds: float) -> int:
    """For `seconds`: in "fragment" and "full" mode each student asks for its rerun every
    WATCH_SECONDS (first at a random offset, as browsers that joined at different moments
    do); "idle" and "push" send nothing. Returns the number of reruns."""
    if mode in ("idle", "push"):
        await asyncio.sleep(seconds)
        return 0
    until = time.monotonic() + seconds
    count = 0

    async def one(session: StreamlitSession, fragment: str):
        nonlocal count
        await asyncio.sleep(random.uniform(0, WATCH_SECONDS))
        while time.monotonic() < until:
            started = time.monotonic()
            await session.run(fragment if mode == "fragment" else "")
            count += 1
            await asyncio.sleep(max(0.0, WATCH_SECONDS - (time.monotonic() - started)))

    await asyncio.gather(*(one(s, f) for s, f in students))
    return count


async def _lecturer_moves(lecturer: StreamlitSession, students) -> list[float]:
    """Run the lecturer's page once; the seconds until each student's page has rerun."""
    waits = [asyncio.create_task(s._receive_run()) for s, _ in students]
    started = time.monotonic()
    await lecturer.run()
    arrived = []
    for task in waits:
        await asyncio.wait_for(task, 60)
        arrived.append(time.monotonic() - started)
    return arrived


async def follow_latencies(lecturer: StreamlitSession, students) -> list[float]:
    """The lecturer turns auto-send on, opens the adaptive page (the students follow), then
    moves its ρ₁ slider; the follow latency of every student for every move."""
    (auto,) = lecturer.find("checkbox", "Auto-send")
    lecturer.set(auto, True)
    await lecturer.run()
    lecturer.go_to("adaptive")
    await _lecturer_moves(lecturer, students)  # a page switch for each student
    latencies: list[float] = []
    for value in SLIDER_MOVES:
        (beta,) = lecturer.find("slider", "ρ₁")
        lecturer.set(beta, value)
        latencies += await _lecturer_moves(lecturer, students)
    return latencies


async def measure(url: str, pid: int, count: int, seconds: float, modes) -> dict:
    lecturer, code = await start_room(url)
    students = [await student(url, code) for _ in range(count)]
    results: dict = {}
    for mode in modes:
        before_cpu, before = cpu_seconds(pid), time.monotonic()
        reruns = await ticking(students, mode, seconds)
        cpu, wall = cpu_seconds(pid) - before_cpu, time.monotonic() - before
        runs, cpus, walls = results.setdefault(mode, ([], [], []))
        runs.append(reruns)
        cpus.append(cpu)
        walls.append(wall)
    if "push" in modes:
        results["latency"] = await follow_latencies(lecturer, students)
    for session, _ in [*students, (lecturer, "")]:
        await session.close()
    return results


def report(results: dict, count: int, server: str) -> bool:
    print(f"{server} server: {count} students (server CPU from /proc)")
    verdict = True
    for mode, values in results.items():
        if mode == "latency":
            lat = sorted(values)
            p50, p95 = lat[len(lat) // 2], lat[int(0.95 * (len(lat) - 1))]
            ok = p95 <= TARGET_LATENCY_P95
            verdict &= ok
            verdict_text = "met" if ok else "NOT met"
            print(f"  follow latency, {len(lat)} student views: p50 {p50 * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms (target ≤ 1 s): {verdict_text}")  # fmt: skip
            continue
        runs, cpus, walls = values
        percent = 100 * sum(cpus) / sum(walls)
        per_run = f", {1000 * sum(cpus) / sum(runs):.2f} ms CPU per rerun" if sum(runs) else ""
        print(f"  {mode:9s} server CPU {percent:6.1f} % of one core ({sum(runs)} reruns{per_run})")
        if mode in ("fragment", "push"):
            per_100 = percent * 100 / count
            ok = per_100 <= TARGET_PERCENT_PER_100
            verdict &= ok or mode == "fragment"  # the fragment is the fallback, not the target
            print(f"            idle followers: {per_100:.1f} % of one core per 100 students "
                  f"(target ≤ 10 %): {'met' if ok else 'NOT met'}")  # fmt: skip
    return verdict


PLANS = (
    ("fragment", ("idle", "fragment", "full", "fragment", "idle")),
    ("push", ("idle", "push", "idle", "push")),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    args = parser.parse_args(argv)
    verdict = True
    for server_mode, modes in PLANS:
        with streamlit_server(env={"LLL_CLASSROOM_WATCH": server_mode}) as server:
            run = measure(server.url, server.pid, args.students, args.seconds, modes)
            results = asyncio.run(run)
        verdict &= report(results, args.students, server_mode)
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())

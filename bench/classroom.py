"""Classroom benchmark: one lecturer and 100 students in one room, shared through Redis.

The lecturer sends 20 views and runs a poll; every student follows and votes once. Students
follow the way the classroom UI does: every ``--poll-every`` seconds (0.75 s, its watch
interval) each asks the store for the room's `version()` (one cheap read), and only when it
changed reads the view and the poll, and votes in an open poll.

What plays the students (``--followers``):

* ``store``: each student is a thread calling the store, as a Streamlit session's script thread
  does, all in a second process that plays the students' replica; the lecturer runs in this
  process, the lecturer's replica. This measures the store and Redis: follow latency (the
  lecturer calling `send_view` → a student has read that view), votes counted, the CPU the
  students' replica spends on the store calls and Redis's CPU while followers sit idle. The
  Streamlit rerun a changed view causes is not included.
* ``websocket``: the students are Streamlit sessions over the websocket
  (``bench.streamlit_client``) behind nginx on two replicas with Redis
  (``bench.serve.deployment(2)``). Each opens the join link on the playground and reruns the
  page's watch fragment on the timer the server gives it, as a browser does; a view has
  arrived when a run writes its query into the page's URL. The lecturer writes through the
  store (what the lecturer's session does on its replica). This measures what the store part
  leaves out: the page runs and the watch fragment's runs, on both replicas. It needs the
  classroom UI's follow mode (`app_support.classroom.follow`) and its poll box, where each
  student picks their option.

The peers of the store part, in the same run: Redis with every follower's `version()` read
from Redis (no sharing of reads within a replica, ``version_cache_s=0``), and the in-process
store (``InProcessStore``), students as threads of this process, no Redis: a single server.

    python -m bench.classroom                       # 100 students, Redis, then the peers
    python -m bench.classroom --students 20 --idle 5
    python -m bench.classroom --followers websocket # 100 Streamlit sessions, two replicas

Targets: follow latency p95 ≤ 1 s; every vote counted (100 of 100) with the exact tally; idle
followers cost ≤ 10 % of one core per 100 students (students' replica + Redis); no errors. The
exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import numpy as np

from app_support.classroom.memory import InProcessStore
from app_support.classroom.model import RoomError, new_student_id
from app_support.classroom.redis_store import VERSION_CACHE_S, RedisStore
from bench.serve import cpu_seconds, deployment, redis_server
from bench.streamlit_client import SessionError, StreamlitSession, fetch_cookie

P95_TARGET_S = 1.0
IDLE_CPU_TARGET = 0.10  # of one core, per 100 students
STEPS = tuple(range(210, 410, 10))  # the views' step counts (the page's default is 200)
POLL_OPTIONS = ("it converges", "it oscillates", "it diverges", "it stalls")


def expected_choice(index: int) -> int:
    """What student `index` votes: known in advance, so the tally can be checked exactly."""
    return index % len(POLL_OPTIONS)


@dataclass
class Seen:
    """What one student saw: when (wall clock) each view version and the poll reached them."""

    views: dict[int, float] = field(default_factory=dict)
    poll_at: float | None = None
    voted: bool = False
    errors: list[str] = field(default_factory=list)


def follow(store, code: str, index: int, every: float, stop: threading.Event, seen: Seen):
    """One student following the room until `stop`: poll `version()`, read what changed."""
    student = new_student_id()
    last = -1
    rng = random.Random(index)
    tick = time.monotonic() + rng.uniform(0, every)  # students did not join in step
    while not stop.wait(max(tick - time.monotonic(), 0)):
        tick += every
        try:
            version = store.version(code)
            if version == last:
                continue
            last = version
            view, poll = store.current_view(code), store.current_poll(code)
            now = time.time()
            if view is not None:
                seen.views.setdefault(view.version, now)
            if poll is not None and poll.state == "open" and not seen.voted:
                seen.poll_at = now
                store.vote(code, student, poll.poll_id, expected_choice(index))
                seen.voted = store.my_vote(code, student, poll.poll_id) == expected_choice(index)
        except RoomError as error:
            seen.errors.append(f"{type(error).__name__}: {error.message}")


def students(make_store, code, count, every, stop: threading.Event, ready) -> list[Seen]:
    """`count` following students as threads sharing one store (one replica's sessions)."""
    store = make_store()
    seen = [Seen() for _ in range(count)]
    threads = [
        threading.Thread(target=follow, args=(store, code, i, every, stop, seen[i]), daemon=True)
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    ready()
    for thread in threads:
        thread.join()
    return seen


def _students_process(url, cache_s, code, count, every, stop, started, results) -> None:
    """The students' replica: a process of its own, its stop and results through `mp`."""
    halt = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), halt.set()), daemon=True).start()
    make_store = lambda: RedisStore(url, version_cache_s=cache_s)  # noqa: E731
    seen = students(make_store, code, count, every, halt, started.set)
    results.put(seen)


@dataclass
class Scenario:
    """The lecturer's script and its timings; `sent` is filled as views go out."""

    views: int = 20
    view_every: float = 1.5
    vote_window: float = 5.0
    sent: dict[int, float] = field(default_factory=dict)

    queries: dict[int, str] = field(default_factory=dict)

    def lecture(self, store, code: str, secret: str) -> dict:
        """Send the views, then run a poll; what the lecturer saw of it. Each view is the
        playground with another step count: a real view a follower's page can apply, cheap
        to run (step counts are padded: nothing compiles)."""
        for i in range(self.views):
            query = f"steps={STEPS[i % len(STEPS)]}"
            sent = time.time()
            view = store.send_view(code, secret, "playground", query)
            self.sent[view.version], self.queries[view.version] = sent, query
            time.sleep(self.view_every)
        poll = store.open_poll(code, secret, "What does the path do?", POLL_OPTIONS, answer="a")
        poll_sent = time.time()
        time.sleep(self.vote_window)
        store.close_poll(code, secret)
        counts = store.counts(code, secret)
        store.reveal_poll(code, secret)
        return {"poll": poll, "poll_sent": poll_sent, "counts": counts}


@dataclass
class Outcome:
    name: str
    students: int
    seen: list[Seen]
    sent: dict[int, float]
    lecture: dict
    idle_cpu: dict[str, float]  # process → CPU seconds per second during the idle phase
    errors: list[str]


def run_redis(args, cache_s: float) -> Outcome:
    """Lecturer here, students in a second process, both on one redis-server; the students'
    replica shares each version read for `cache_s` seconds."""
    with redis_server() as server:
        lecturer = RedisStore(server.url)
        code, secret = lecturer.create_room()
        spawn = multiprocessing.get_context("spawn")
        stop, started, results = spawn.Event(), spawn.Event(), spawn.Queue()
        process = spawn.Process(
            target=_students_process,
            args=(server.url, cache_s, code, args.students, args.poll_every, stop, started)
            + (results,),
        )
        process.start()
        try:
            if not started.wait(60):
                raise SystemExit("the students' process did not start")
            pids = {"students' replica": process.pid, "redis-server": server.process.pid}
            idle = measure_idle(pids, args.idle)
            scenario = Scenario(args.views, args.view_every, args.vote_window)
            lecture, errors = lecture_safely(scenario, lecturer, code, secret)
            time.sleep(2 * args.poll_every)  # the reveal reaches everyone
            stop.set()
            seen = results.get(timeout=60)
        finally:
            stop.set()
            process.join(30)
            if process.is_alive():
                process.terminate()
    shared = f"version reads shared for {cache_s:g} s" if cache_s else "unshared reads"
    name = f"Redis, {shared}, a read every {args.poll_every:g} s"
    return Outcome(name, args.students, seen, scenario.sent, lecture, idle, errors)


def run_memory(args) -> Outcome:
    """The peer: one process, the in-process store, students as its threads."""
    store = InProcessStore()
    code, secret = store.create_room()
    stop, started = threading.Event(), threading.Event()
    box: list[list[Seen]] = []
    runner = threading.Thread(
        target=lambda: box.append(
            students(lambda: store, code, args.students, args.poll_every, stop, started.set)
        )
    )
    runner.start()
    started.wait(60)
    idle = measure_idle({"this process": os.getpid()}, args.idle)
    scenario = Scenario(args.views, args.view_every, args.vote_window)
    lecture, errors = lecture_safely(scenario, store, code, secret)
    time.sleep(2 * args.poll_every)
    stop.set()
    runner.join()
    name = f"in-process, a read every {args.poll_every:g} s"
    return Outcome(name, args.students, box[0], scenario.sent, lecture, idle, errors)


def lecture_safely(scenario: Scenario, store, code, secret) -> tuple[dict, list[str]]:
    try:
        return scenario.lecture(store, code, secret), []
    except RoomError as error:
        return {}, [f"lecturer: {type(error).__name__}: {error.message}"]


def measure_idle(pids: dict[str, int], seconds: float) -> dict[str, float]:
    """CPU seconds per second of each process while every student follows an unchanged room."""
    time.sleep(min(2.0, seconds / 4))  # past the students' first reads
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    return {name: (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}


async def ws_vote(session: StreamlitSession, index: int, seen: Seen) -> None:
    """Answer the poll box's question once it shows, as a student clicking an option."""
    boxes = [w for w in session.find("radio", "Your answer") if not w.proto.disabled]
    if seen.voted or not boxes:
        return
    seen.poll_at = time.time()
    session.set(boxes[0], POLL_OPTIONS[expected_choice(index)])
    result = await session.run()
    seen.errors += result.exceptions
    # the box says which vote the store holds for this student (the store's my_vote)
    caption = f"Your vote: **{POLL_OPTIONS[expected_choice(index)]}**"
    seen.voted = any(caption in str(element) for element in session.elements.values())


async def ws_follower(url, code, index, stop: asyncio.Event, joined, seen: Seen, scenario):
    """One student as a Streamlit session: opens the join link on the playground, then waits
    for the runs the server starts when the room changes (or, where the page polls, reruns its
    watch fragment on the timer the server gave it, as a browser does); a view has arrived
    when a run writes its query into the page's URL. It votes when the poll shows."""
    try:
        cookie = await asyncio.to_thread(fetch_cookie, url)
        query = f"room={code}"
        async with StreamlitSession(url, "playground", query, cookie, timeout=120) as session:
            seen.errors += (await session.run()).exceptions
            joined()
            while not stop.is_set():
                if session.auto_reruns:  # the page polls (LLL_CLASSROOM_WATCH=fragment)
                    fragment, interval = list(session.auto_reruns.items())[-1]
                    try:
                        await asyncio.wait_for(stop.wait(), interval)
                        return
                    except TimeoutError:
                        pass
                    result = await session.run(fragment_id=fragment)
                else:  # the server reruns the page when the room changes (the default)
                    run = asyncio.ensure_future(session._receive_run())
                    stopped = asyncio.ensure_future(stop.wait())
                    await asyncio.wait({run, stopped}, return_when=asyncio.FIRST_COMPLETED)
                    stopped.cancel()
                    if not run.done():  # never cut a run short: its URL may be in it
                        run.cancel()
                        return
                    result = run.result()
                now = time.time()
                seen.errors += result.exceptions
                for written in map(parse_qs, result.queries):
                    for version, query in list(scenario.queries.items()):
                        if written == parse_qs(query):
                            seen.views.setdefault(version, now)
                await ws_vote(session, index, seen)
    except (SessionError, OSError) as error:
        seen.errors.append(f"session lost: {type(error).__name__}: {error}")


async def ws_class(args, url, code, secret, store, pids) -> tuple:
    stop = asyncio.Event()
    seen = [Seen() for _ in range(args.students)]
    joined = asyncio.Semaphore(0)
    scenario = Scenario(args.views, args.view_every, args.vote_window)
    tasks = []
    for i in range(args.students):
        tasks.append(
            asyncio.create_task(ws_follower(url, code, i, stop, joined.release, seen[i], scenario))
        )
        await asyncio.sleep(args.ramp / args.students)  # a class does not click at once
    for _ in range(args.students):
        await asyncio.wait_for(joined.acquire(), 300)
    idle = await asyncio.to_thread(measure_idle, pids, args.idle)
    before, start = sum(map(cpu_seconds, pids.values())), time.monotonic()
    lecture, errors = await asyncio.to_thread(lecture_safely, scenario, store, code, secret)
    await asyncio.sleep(2)
    # Students still behind get up to `--drain` seconds more to reach the last view: a view
    # that arrives late is a long latency, not one never seen.
    last = max(scenario.sent, default=None)
    drain_until = time.monotonic() + args.drain
    while last is not None and time.monotonic() < drain_until:
        if all(max(s.views, default=-1) >= last for s in seen):
            break
        await asyncio.sleep(0.25)
    # the servers' CPU for the views, beyond what idle followers cost in the same time
    busy = sum(map(cpu_seconds, pids.values())) - before
    lecture["cpu per change"] = busy - sum(idle.values()) * (time.monotonic() - start)
    lecture["changes"] = store.version(code)  # the views and the poll's three changes
    stop.set()
    await asyncio.gather(*tasks)
    return seen, scenario, idle, lecture, errors


async def _first_load(url: str) -> None:
    async with StreamlitSession(
        url, "playground", cookie=await asyncio.to_thread(fetch_cookie, url)
    ) as s:
        await s.run()


def run_websocket(args) -> Outcome:
    """Two replicas behind nginx with Redis; the lecturer writes through the store (as the
    lecturer's session does on its replica); the students are Streamlit sessions."""
    with deployment(2) as deployed:
        for server in deployed.servers:  # each replica's first run (imports, compilation)
            asyncio.run(_first_load(server.url))
        store = RedisStore(deployed.redis.url)
        code, secret = store.create_room()
        pids = {f"replica {i + 1}": s.pid for i, s in enumerate(deployed.servers)}
        pids["redis-server"] = deployed.redis.process.pid
        seen, scenario, idle, lecture, errors = asyncio.run(
            ws_class(args, deployed.url, code, secret, store, pids)
        )
    name = "Streamlit sessions, two replicas behind nginx, Redis"
    return Outcome(name, args.students, seen, scenario.sent, lecture, idle, errors)


class Verdicts:
    def __init__(self):
        self.ok = True

    def __call__(self, met: bool) -> str:
        self.ok &= bool(met)
        return "met" if met else "MISSED"


def report(outcome: Outcome, args, verdict: Verdicts) -> dict:
    """Print one back end's figures against the targets; the figures for the comparison."""
    n = outcome.students
    latencies, superseded = follow_latencies(outcome.seen, outcome.sent)
    missed = n * len(outcome.sent) - len(latencies)
    p50 = float(np.percentile(latencies, 50)) if latencies else float("nan")
    p95 = float(np.percentile(latencies, 95)) if latencies else float("nan")
    print(f"\n{outcome.name}: {n} students")
    print(
        f"  follow latency over {len(latencies)} view arrivals: p50 {p50:.3f} s, p95 {p95:.3f} s,"
        f" max {max(latencies, default=float('nan')):.3f} s; views never seen: {missed}; "
        f"target p95 <= {P95_TARGET_S:g} s and none missed: "
        f"{verdict(p95 <= P95_TARGET_S and missed == 0)}"
    )
    if superseded:
        print(
            f"  of those, {superseded} reached as a newer view (the lecturer sent the next "
            "one before this one reached the student): their latency runs to that newer view"
        )
    if "cpu per change" in outcome.lecture:
        changes = outcome.lecture["changes"]
        per_follower = outcome.lecture["cpu per change"] / changes / n
        print(
            f"  servers' CPU per room change ({changes}: views, poll) and follower, beyond "
            f"idle: {per_follower * 1000:.0f} ms; a change reaches {n} followers within 1 s "
            f"only with {per_follower * n:.1f} cores free"
        )
    if "counts" not in outcome.lecture:
        print("  votes: not cast by these followers (the store-level run counts them)")
    else:
        _report_votes(outcome, verdict)
    idle = sum(outcome.idle_cpu.values())

    per_100 = idle * 100 / n
    parts = ", ".join(f"{name} {share:.1%}" for name, share in outcome.idle_cpu.items())
    print(
        f"  idle followers ({args.idle:g} s, nothing sent): {parts} of a core; "
        f"{per_100:.1%} per 100 students; target <= {IDLE_CPU_TARGET:.0%}: "
        f"{verdict(per_100 <= IDLE_CPU_TARGET)}"
    )
    errors = outcome.errors + [e for seen in outcome.seen for e in seen.errors]
    print(f"  errors: {len(errors)}; target 0: {verdict(not errors)}")
    for message, count in Counter(errors).most_common(5):
        print(f"    {count} x {message[:200]}")
    return {"p95": p95, "idle": per_100}


def follow_latencies(seen: list[Seen], sent: dict[int, float]) -> tuple[list[float], int]:
    """Each student's latency for each sent view, and how many of them were superseded.

    A student's page applies the newest view (`follow.arrive`): a view the lecturer replaced
    before it reached a student is never drawn for them, and they are up to date when the
    newer one arrives. So a view's latency is the time from its sending to the first arrival
    of it or of any newer view; a view counts as never seen only when neither it nor a newer
    one ever arrived."""
    latencies, superseded = [], 0
    for student in seen:
        for version, sent_at in sent.items():
            arrivals = [(at, v) for v, at in student.views.items() if v >= version]
            if not arrivals:
                continue
            at, first = min(arrivals)
            latencies.append(at - sent_at)
            superseded += first != version
    return latencies, superseded


def _report_votes(outcome: Outcome, verdict: Verdicts) -> None:
    n = outcome.students
    counts = outcome.lecture.get("counts")
    expected = Counter(expected_choice(i) for i in range(n))
    exact = counts is not None and counts.counts == tuple(expected[k] for k in range(4))
    voted = sum(seen.voted for seen in outcome.seen)
    print(
        f"  votes counted: {counts.votes if counts else 0} of {n} (students who voted and saw "
        f"it: {voted}); tally {counts.counts if counts else None}, exact: "
        f"{verdict(exact and voted == n)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.classroom", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument(
        "--poll-every",
        type=float,
        default=0.75,
        help="seconds between a follower's reads (the classroom UI's watch interval)",
    )
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--view-every", type=float, default=1.5, help="seconds between views")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle followers")
    parser.add_argument("--vote-window", type=float, default=5.0, help="seconds a poll is open")
    parser.add_argument("--followers", choices=["store", "websocket"], default="store")
    parser.add_argument("--ramp", type=float, default=20.0, help="websocket: joining seconds")
    parser.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="websocket: seconds students behind may take to reach the last view",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the in-process peer")
    args = parser.parse_args(argv)
    verdict = Verdicts()
    if args.followers == "websocket":
        report(run_websocket(args), args, verdict)
        return 0 if verdict.ok else 1
    figures = {"Redis": report(run_redis(args, VERSION_CACHE_S), args, verdict)}
    if not args.no_peer:  # the peers inform, they are not judged
        figures["Redis, unshared reads"] = report(run_redis(args, 0.0), args, Verdicts())
        figures["in-process"] = report(run_memory(args), args, Verdicts())
        print("\nsame run, follow p95 / idle CPU per 100 students (share of one core):")
        for name, figure in figures.items():
            print(f"  {name:24s} {figure['p95']:.3f} s / {figure['idle']:.1%}")
    print(f"(load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())

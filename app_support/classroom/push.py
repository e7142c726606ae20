"""Telling followers that their room changed, without their pages polling: the server reruns
their sessions (`app_support.streamlit_internals.rerun_session`).

A page of a student in a room registers its session with the room's version it has just
drawn (`Watchers.watch`). One thread per server process reads, every `period` seconds, the
version of each room that has students on this server: one store read per room, whatever the
number of students, and with Redis each replica does so for its own students. A session whose
version is older is rerun once; its new run registers the version it read. A session that is
gone, or that left the room (`forget`), is dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Watchers:
    """The sessions of this server that follow rooms, and the thread that wakes them.

    `version_of(code)` reads a room's version (raising for a room that is gone or a store that
    is down: those sessions wait); `rerun(session_id)` reruns a session, False if it is gone.
    """

    def __init__(
        self,
        version_of: Callable[[str], int],
        rerun: Callable[[str], bool],
        period: float,
    ):
        self._version_of = version_of
        self._rerun = rerun
        self.period = period
        self._lock = threading.Lock()
        self._rooms: dict[str, dict[str, int]] = {}  # code -> {session id: version drawn}
        self._thread: threading.Thread | None = None

    def watch(self, code: str, session_id: str, version: int) -> None:
        """Session `session_id` shows room `code` at `version` now."""
        with self._lock:
            for sessions in self._rooms.values():
                sessions.pop(session_id, None)
            self._rooms.setdefault(code, {})[session_id] = version
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="classroom-watchers", daemon=True
                )
                self._thread.start()

    def forget(self, session_id: str) -> None:
        with self._lock:
            for sessions in self._rooms.values():
                sessions.pop(session_id, None)

    def watched(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {code: dict(sessions) for code, sessions in self._rooms.items() if sessions}

    def check(self) -> int:
        """One pass: rerun every session whose room has moved on; returns how many."""
        rerun = 0
        for code, sessions in self.watched().items():
            try:
                version = self._version_of(code)
            except Exception:  # noqa: BLE001 - a gone room or a store that is down: wait
                continue
            for session_id, seen in sessions.items():
                if seen == version:
                    continue
                alive = self._rerun(session_id)
                with self._lock:
                    current = self._rooms.get(code, {})
                    if not alive:
                        current.pop(session_id, None)
                    elif current.get(session_id) == seen:
                        current[session_id] = version  # its rerun will say what it drew
                rerun += alive
        with self._lock:
            self._rooms = {code: s for code, s in self._rooms.items() if s}
        return rerun

    def _run(self) -> None:
        while True:
            time.sleep(self.period)
            self.check()

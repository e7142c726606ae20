"""`InProcessStore`: rooms in the memory of one server process (the default back end).

Every session of a Streamlit server is a thread of one process, so a dict behind a lock is
shared by the lecturer and all students of that server. Rooms expire lazily: each access
compares the room's deadline with a monotonic clock (injectable, so tests need not wait),
and creating a room sweeps the expired ones first. Sizes are bounded (`model.MAX_ROOMS`
rooms, `model.MAX_VOTERS` votes a poll, rate-limit windows), so no client can make the
process grow without limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from app_support.classroom import model
from app_support.classroom.model import (
    NOT_FOUND,
    NOT_LECTURER,
    NotLecturer,
    Poll,
    PollClosed,
    PollCounts,
    RateLimited,
    RoomError,
    RoomNotFound,
    View,
)

_MAX_WINDOWS = 20_000  # rate-limit windows kept (one per active session and kind)


@dataclass
class _Room:
    digest: str
    deadline: float
    version: int = 0
    view: View | None = None
    poll: Poll | None = None
    votes: dict[str, int | float] = field(default_factory=dict)


class RateWindows:
    """At most `limit` events a `period` per key, counted in a window that starts with the
    key's first event (the Redis back end counts the same way, with INCR and PEXPIRE)."""

    def __init__(self, clock: Callable[[], float], period: float = 60.0):
        self._clock = clock
        self._period = period
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def hit(self, key: str, limit: int) -> bool:
        """Count one event for `key`; False when it is over the limit (the caller holds a lock)."""
        now = self._clock()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= self._period:
            start, count = now, 0
        self._windows[key] = (start, count + 1)
        self._windows.move_to_end(key)
        while len(self._windows) > _MAX_WINDOWS:
            self._windows.popitem(last=False)  # the least recently active key
        return count + 1 <= limit


class InProcessStore:
    """The `store.RoomStore` of one process. Tests may set `clock` (`time.monotonic`), the
    rooms' lifetime, their number and the rate limits' window."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        ttl_s: float = model.ROOM_TTL_S,
        max_rooms: int = model.MAX_ROOMS,
        rate_period_s: float = 60.0,
    ):
        self._clock = clock
        self._ttl = ttl_s
        self._max_rooms = max_rooms
        self._rooms: dict[str, _Room] = {}
        self._rates = RateWindows(clock, rate_period_s)
        self._lock = threading.Lock()

    # -- rooms ---------------------------------------------------------------------------

    def _room(self, code, *, touch: bool = False) -> _Room:
        """The live room `code` (lock held); RoomNotFound if it has none or it expired."""
        code = model.normalize_code(code)
        room = self._rooms.get(code)
        now = self._clock()
        if room is None or now >= room.deadline:
            self._rooms.pop(code, None)
            raise RoomNotFound(NOT_FOUND)
        if touch:
            room.deadline = now + self._ttl
        return room

    def _lecturer_room(self, code, secret) -> _Room:
        room = self._room(code, touch=True)
        if not model.secret_matches(secret, room.digest):
            raise NotLecturer(NOT_LECTURER)
        return room

    def create_room(self) -> tuple[str, str]:
        secret = model.new_secret()
        with self._lock:
            now = self._clock()
            for code in [c for c, room in self._rooms.items() if now >= room.deadline]:
                del self._rooms[code]
            if len(self._rooms) >= self._max_rooms:
                raise RoomError("The server holds as many rooms as it can; try again later.")
            code = model.new_code()
            while code in self._rooms:
                code = model.new_code()
            self._rooms[code] = _Room(model.secret_digest(secret), now + self._ttl)
        return code, secret

    def check_room(self, code, session_id: str | None = None) -> None:
        with self._lock:
            if session_id is not None:
                key = "join:" + model.check_id(session_id, "session")
                if not self._rates.hit(key, model.JOINS_PER_MINUTE):
                    raise RateLimited("Too many tries to join a room: wait a minute.")
            self._room(code, touch=True)

    def is_lecturer(self, code, secret) -> bool:
        with self._lock:
            return model.secret_matches(secret, self._room(code).digest)

    # -- the view --------------------------------------------------------------------------

    def send_view(self, code, secret, page, query) -> View:
        page, query = model.clean_page(page), model.clean_query(query)
        with self._lock:
            room = self._lecturer_room(code, secret)
            room.version += 1
            room.view = View(room.version, page, query)
            return room.view

    def current_view(self, code) -> View | None:
        with self._lock:
            return self._room(code).view

    def version(self, code) -> int:
        with self._lock:
            return self._room(code).version

    # -- polls -----------------------------------------------------------------------------

    def open_poll(self, code, secret, question, options, *, numeric=False, answer="") -> Poll:
        question, options, numeric, answer = model.clean_poll(question, options, numeric, answer)
        with self._lock:
            room = self._lecturer_room(code, secret)
            room.poll = Poll(model.new_poll_id(), question, options, numeric, "open", answer)
            room.votes = {}
            room.version += 1
            return model.shown_poll(room.poll)

    def _set_poll_state(self, code, secret, state: str) -> None:
        with self._lock:
            room = self._lecturer_room(code, secret)
            if room.poll is None:
                raise RoomError("This room has no poll.")
            if room.poll.state in model.STATES_BEFORE[state]:
                room.poll = room.poll._replace(state=state)
                room.version += 1

    def close_poll(self, code, secret) -> None:
        self._set_poll_state(code, secret, "closed")

    def reveal_poll(self, code, secret) -> None:
        self._set_poll_state(code, secret, "revealed")

    def current_poll(self, code) -> Poll | None:
        with self._lock:
            poll = self._room(code).poll
            return None if poll is None else model.shown_poll(poll)

    def vote(self, code, student_id, poll_id, choice) -> None:
        student_id = model.check_id(student_id, "student id")
        with self._lock:
            if not self._rates.hit("vote:" + student_id, model.VOTES_PER_MINUTE):
                raise RateLimited("Too many votes in a minute: wait a moment.")
            room = self._room(code, touch=True)
            poll = room.poll
            if poll is None or poll.poll_id != poll_id or poll.state != "open":
                raise PollClosed("This poll is closed.")
            choice = model.clean_choice(choice, poll)
            if student_id not in room.votes and len(room.votes) >= model.MAX_VOTERS:
                raise RoomError("This poll has as many votes as it can take.")
            room.votes[student_id] = choice

    def counts(self, code, secret) -> PollCounts:
        with self._lock:
            room = self._lecturer_room(code, secret)
            if room.poll is None:
                raise RoomError("This room has no poll.")
            return model.tally(room.poll, room.votes.values())

    def my_vote(self, code, student_id, poll_id) -> int | float | None:
        with self._lock:
            room = self._room(code)
            if room.poll is None or room.poll.poll_id != poll_id or not isinstance(student_id, str):
                return None
            return room.votes.get(student_id)

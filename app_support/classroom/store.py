"""Classroom rooms: the store interface the classroom UI talks to, and the process's store.

A lecturer creates a room and gets its code (for the students) and a secret (kept in their
session). With the secret they send views (a page and its URL query) and run polls; students
with the code follow the current view and vote, one vote each, changeable while the poll is
open. Followers poll `version()`, a single cheap read, and fetch the view or poll only when it
has changed. Votes do not change the version (a hundred votes would make every follower
rerun); the lecturer reads `counts()` on their own timer.

Two back ends, one behaviour (the unit tests run the same tests on both):

* `InProcessStore` (`memory.py`): rooms in this server's memory; the default, nothing to set up;
* `RedisStore` (`redis_store.py`): rooms in Redis, shared by every replica behind a load
  balancer (the lecturer and their students land on different replicas); chosen by setting
  ``REDIS_URL``. If Redis cannot be reached every call raises `StoreUnavailable` quickly and
  the lab works on as a single-user app.

Errors are `RoomError`s whose ``message`` is a sentence to show; limits and the room code's
alphabet are in `model.py`.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

from app_support.classroom.memory import InProcessStore
from app_support.classroom.model import (
    NotLecturer,
    Poll,
    PollClosed,
    PollCounts,
    RateLimited,
    RoomError,
    RoomNotFound,
    StoreUnavailable,
    View,
    new_student_id,
    normalize_code,
)
from app_support.classroom.redis_store import RedisStore

__all__ = [
    "InProcessStore",
    "NotLecturer",
    "Poll",
    "PollClosed",
    "PollCounts",
    "RateLimited",
    "RedisStore",
    "RoomError",
    "RoomNotFound",
    "RoomStore",
    "StoreUnavailable",
    "View",
    "get_store",
    "new_student_id",
    "normalize_code",
]


class RoomStore(Protocol):
    """What both back ends do. ``code`` may be typed by a person (`normalize_code`)."""

    def create_room(self) -> tuple[str, str]:
        """A new room: (code, lecturer secret)."""

    def check_room(self, code: str, session_id: str | None = None) -> None:
        """RoomNotFound unless the room exists (a join: refreshes its expiry). With a
        `session_id`, counts a join against that session's rate limit (RateLimited)."""

    def is_lecturer(self, code: str, secret: str) -> bool:
        """Whether `secret` is the room's lecturer secret (constant-time comparison)."""

    def send_view(self, code: str, secret: str, page: str, query: str) -> View:
        """Make (page, query) the room's view; NotLecturer without the secret, RoomError for a
        page not in the lab or a query that no deep link could carry."""

    def current_view(self, code: str) -> View | None:
        """The last view sent, None before the first."""

    def open_poll(
        self, code: str, secret: str, question: str, options, *, numeric=False, answer=""
    ) -> Poll:
        """Open a new poll (it replaces the current one and its votes)."""

    def close_poll(self, code: str, secret: str) -> None:
        """No more votes; the current ones stay."""

    def reveal_poll(self, code: str, secret: str) -> None:
        """Close the poll (if open) and show its answer."""

    def current_poll(self, code: str) -> Poll | None:
        """The room's poll, its answer "" until revealed; None before the first."""

    def vote(self, code: str, student_id: str, poll_id: str, choice: int | float) -> None:
        """The student's vote (an option's index, or a number), replacing their earlier one;
        PollClosed unless `poll_id` is the open poll; RateLimited when voting too often."""

    def counts(self, code: str, secret: str) -> PollCounts:
        """The current poll's tally (lecturer only; no student id ever leaves the store)."""

    def my_vote(self, code: str, student_id: str, poll_id: str) -> int | float | None:
        """This student's vote in this poll, None if none."""

    def version(self, code: str) -> int:
        """A number that grows with every new view and every poll change."""


_store: RoomStore | None = None
_store_lock = threading.Lock()


def get_store() -> RoomStore:
    """The process's store: a `RedisStore` when ``REDIS_URL`` is set, else in-process."""
    global _store
    with _store_lock:
        if _store is None:
            _store = _make_store(os.environ.get("REDIS_URL", "").strip())
        return _store


def _make_store(url: str) -> RoomStore:
    # Connecting is lazy: a Redis that is down now makes calls fail with StoreUnavailable
    # until it is back, and the app starts either way.
    return RedisStore(url) if url else InProcessStore()

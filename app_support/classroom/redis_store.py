"""`RedisStore`: rooms in Redis, shared by every replica of the lab (set ``REDIS_URL``).

Keys (``prefix`` is ``lll:``), each with a TTL of ``ROOM_TTL_S`` refreshed by activity:

* ``room:<code>``  a hash: the lecturer secret's digest, ``version``, the view
  (``view_version``, ``view_page``, ``view_query``) and the poll (``poll_id``, ``poll_question``,
  ``poll_options`` as JSON, ``poll_numeric``, ``poll_state``, ``poll_answer``);
* ``votes:<code>``  a hash of the current poll's votes, student id → choice: one field per
  student makes "one vote each, changeable" a property of the data, not of the callers;
  opening a poll deletes it;
* ``rooms``  a sorted set of the codes created in the last ``ROOM_TTL_S`` (score: when they
  were created), which caps how many rooms can be made (`model.MAX_ROOMS`) as in-process;
* ``rate:<kind>:<id>``  a counter per session and kind, created with a one-minute TTL.

Every write that depends on what is stored (the secret, the poll's id and state, the number
of voters) is one Lua script, so it is atomic: a room cannot expire between the check and
the write and come back as a half-written hash. The scripts compare the secret's SHA-256
digest with ``==``; the time that takes says something about a digest, not about the secret.

Followers ask for `version()` about every 0.75 s; a replica's sessions share one answer per
room for ``VERSION_CACHE_S`` (0.1 s), so a hundred students on a replica cost Redis at most ten
reads a second instead of 133, for at most 0.1 s more delay. The replica's own
writes update that answer at once, so a lecturer never reads a version older than their own.

When Redis cannot be reached each call raises `StoreUnavailable` within the socket timeout
(0.5 s, no retries), and for the next ``retry_after_s`` every call fails at once without
trying, so a hundred polling students do not each wait on a dead server.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app_support.classroom import model
from app_support.classroom.model import (
    NOT_FOUND,
    NOT_LECTURER,
    UNAVAILABLE,
    NotLecturer,
    Poll,
    PollClosed,
    PollCounts,
    RateLimited,
    RoomError,
    RoomNotFound,
    StoreUnavailable,
    View,
)

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_S = 0.5
VERSION_CACHE_S = 0.1  # how long a replica's followers share one read of a room's version

# Return codes of the scripts, turned into errors by `_check`.
_NO_ROOM, _WRONG_SECRET, _NO_POLL, _CLOSED, _FULL = -1, -2, -3, -4, -5

# Lecturer scripts start the same way: the room must exist and the digest must match.
_LECTURER = """
local digest = redis.call('HGET', KEYS[1], 'digest')
if not digest then return -1 end
if digest ~= ARGV[1] then return -2 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
"""

_CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3] - ARGV[2])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return -5 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[1], 'version', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
"""

_SEND_VIEW = (
    _LECTURER
    + """
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'view_version', version, 'view_page', ARGV[3], 'view_query', ARGV[4])
return version
"""
)

_OPEN_POLL = (
    _LECTURER
    + """
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'poll_id', ARGV[3], 'poll_question', ARGV[4],
           'poll_options', ARGV[5], 'poll_numeric', ARGV[6], 'poll_state', 'open',
           'poll_answer', ARGV[7])
return redis.call('HINCRBY', KEYS[1], 'version', 1)
"""
)

# ARGV[3]: the new state; ARGV[4..]: the states it may be reached from.
_SET_POLL_STATE = (
    _LECTURER
    + """
local state = redis.call('HGET', KEYS[1], 'poll_state')
if not state then return -3 end
for i = 4, #ARGV do
  if state == ARGV[i] then
    redis.call('HSET', KEYS[1], 'poll_state', ARGV[3])
    return redis.call('HINCRBY', KEYS[1], 'version', 1)
  end
end
return 0
"""
)

_VOTE = """
local poll = redis.call('HMGET', KEYS[1], 'poll_id', 'poll_state')
if not poll[1] then
  if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
  return -4
end
if poll[1] ~= ARGV[2] or poll[2] ~= 'open' then return -4 end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 0
   and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then return -5 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
"""

# A counter whose window starts with its first event (as memory.RateWindows counts).
_RATE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""

_POLL_FIELDS = (
    "poll_id",
    "poll_question",
    "poll_options",
    "poll_numeric",
    "poll_state",
    "poll_answer",
)


def _poll(fields) -> Poll | None:
    """The Poll an HMGET of `_POLL_FIELDS` describes, None when the room has none."""
    poll_id, question, options, numeric, state, answer = fields
    if poll_id is None:
        return None
    return Poll(poll_id, question, tuple(json.loads(options)), numeric == "1", state, answer)


def _choice(text: str, numeric: bool) -> int | float:
    return float(text) if numeric else int(text)


class RedisStore:
    """The `store.RoomStore` of all replicas that share one Redis."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "lll:",
        ttl_s: float = model.ROOM_TTL_S,
        rate_period_s: float = 60.0,
        max_rooms: int = model.MAX_ROOMS,
        retry_after_s: float = 2.0,
        version_cache_s: float = VERSION_CACHE_S,
    ):
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self._prefix = prefix
        self._ttl_ms = max(1, round(ttl_s * 1000))
        self._rate_ms = max(1, round(rate_period_s * 1000))
        self._max_rooms = max_rooms
        self._retry_after = retry_after_s
        self._down_until = 0.0
        self._down_lock = threading.Lock()
        self._version_cache_s = version_cache_s
        self._versions: dict[str, tuple[float, int]] = {}  # room key → (read at, version)
        self._versions_lock = threading.Lock()
        scripts = (_CREATE, _SEND_VIEW, _OPEN_POLL, _SET_POLL_STATE, _VOTE, _RATE)
        (
            self._create,
            self._send_view,
            self._open_poll,
            self._set_state,
            self._vote,
            self._rate,
        ) = (self._redis.register_script(s) for s in scripts)

    # -- plumbing --------------------------------------------------------------------------

    def _keys(self, code) -> tuple[str, str]:
        code = model.normalize_code(code)
        return f"{self._prefix}room:{code}", f"{self._prefix}votes:{code}"

    def _run(self, call):
        """`call()`, with any Redis failure turned into StoreUnavailable (and remembered)."""
        if time.monotonic() < self._down_until:
            raise StoreUnavailable(UNAVAILABLE)
        try:
            return call()
        except redis.RedisError as error:
            with self._down_lock:
                if time.monotonic() >= self._down_until:
                    log.warning("classroom store unavailable: %s", error)
                self._down_until = time.monotonic() + self._retry_after
            raise StoreUnavailable(UNAVAILABLE) from None

    @staticmethod
    def _check(result: int) -> int:
        if result == _NO_ROOM:
            raise RoomNotFound(NOT_FOUND)
        if result == _WRONG_SECRET:
            raise NotLecturer(NOT_LECTURER)
        if result == _NO_POLL:
            raise RoomError("This room has no poll.")
        if result == _CLOSED:
            raise PollClosed("This poll is closed.")
        return result

    def _hit(self, kind: str, ident: str, limit: int) -> bool:
        key = f"{self._prefix}rate:{kind}:{ident}"
        return self._run(lambda: self._rate(keys=[key], args=[self._rate_ms])) <= limit

    def _digest(self, room_key: str) -> str:
        digest = self._run(lambda: self._redis.hget(room_key, "digest"))
        if digest is None:
            raise RoomNotFound(NOT_FOUND)
        return digest

    def _lecturer_digest(self, secret) -> str:
        # A wrong secret's digest never matches, so the script answers NotLecturer.
        return model.secret_digest(secret) if isinstance(secret, str) and secret else ""

    # -- rooms ---------------------------------------------------------------------------

    def create_room(self) -> tuple[str, str]:
        secret = model.new_secret()
        digest = model.secret_digest(secret)
        rooms = f"{self._prefix}rooms"
        while True:
            code = model.new_code()
            room, _ = self._keys(code)
            now_ms = round(time.time() * 1000)
            args = [digest, self._ttl_ms, now_ms, self._max_rooms, code]
            made = self._run(lambda: self._create(keys=[room, rooms], args=args))  # noqa: B023
            if made == _FULL:
                raise RoomError("The server holds as many rooms as it can; try again later.")
            if made == 1:
                return code, secret

    def check_room(self, code, session_id: str | None = None) -> None:
        if session_id is not None:
            session_id = model.check_id(session_id, "session")
            if not self._hit("join", session_id, model.JOINS_PER_MINUTE):
                raise RateLimited("Too many tries to join a room: wait a minute.")
        room, votes = self._keys(code)

        def touch():
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.pexpire(room, self._ttl_ms)
                pipe.pexpire(votes, self._ttl_ms)
                return pipe.execute()[0]

        if not self._run(touch):
            raise RoomNotFound(NOT_FOUND)

    def is_lecturer(self, code, secret) -> bool:
        room, _ = self._keys(code)
        return model.secret_matches(secret, self._digest(room))

    # -- the view --------------------------------------------------------------------------

    def send_view(self, code, secret, page, query) -> View:
        page, query = model.clean_page(page), model.clean_query(query)
        keys = list(self._keys(code))
        args = [self._lecturer_digest(secret), self._ttl_ms, page, query]
        version = self._check(self._run(lambda: self._send_view(keys=keys, args=args)))
        self._remember(keys[0], version)
        return View(version, page, query)

    def current_view(self, code) -> View | None:
        room, _ = self._keys(code)
        fields = ("digest", "view_version", "view_page", "view_query")
        digest, version, page, query = self._run(lambda: self._redis.hmget(room, fields))
        if digest is None:
            raise RoomNotFound(NOT_FOUND)
        return None if version is None else View(int(version), page, query)

    def version(self, code) -> int:
        room, _ = self._keys(code)
        with self._versions_lock:
            read_at, version = self._versions.get(room, (-math.inf, 0))
        if time.monotonic() - read_at < self._version_cache_s:
            return version
        version = self._run(lambda: self._redis.hget(room, "version"))
        if version is None:
            raise RoomNotFound(NOT_FOUND)
        self._remember(room, int(version))
        return int(version)

    def _remember(self, room: str, version: int) -> None:
        with self._versions_lock:
            if len(self._versions) >= model.MAX_ROOMS:
                self._versions.clear()  # rooms long gone; the live ones are read again
            self._versions[room] = (time.monotonic(), version)

    # -- polls -----------------------------------------------------------------------------

    def open_poll(self, code, secret, question, options, *, numeric=False, answer="") -> Poll:
        question, options, numeric, answer = model.clean_poll(question, options, numeric, answer)
        poll = Poll(model.new_poll_id(), question, options, numeric, "open", answer)
        keys = list(self._keys(code))
        args = [self._lecturer_digest(secret), self._ttl_ms, poll.poll_id, question]
        args += [json.dumps(list(options)), "1" if numeric else "0", answer]
        self._remember(
            keys[0], self._check(self._run(lambda: self._open_poll(keys=keys, args=args)))
        )
        return model.shown_poll(poll)

    def _set_poll_state(self, code, secret, state: str) -> None:
        keys = list(self._keys(code))
        args = [self._lecturer_digest(secret), self._ttl_ms, state, *model.STATES_BEFORE[state]]
        version = self._check(self._run(lambda: self._set_state(keys=keys, args=args)))
        if version > 0:  # 0: the poll was already in that state
            self._remember(keys[0], version)

    def close_poll(self, code, secret) -> None:
        self._set_poll_state(code, secret, "closed")

    def reveal_poll(self, code, secret) -> None:
        self._set_poll_state(code, secret, "revealed")

    def _read_poll(self, room: str) -> Poll | None:
        fields = self._run(lambda: self._redis.hmget(room, ("digest", *_POLL_FIELDS)))
        if fields[0] is None:
            raise RoomNotFound(NOT_FOUND)
        return _poll(fields[1:])

    def current_poll(self, code) -> Poll | None:
        room, _ = self._keys(code)
        poll = self._read_poll(room)
        return None if poll is None else model.shown_poll(poll)

    def vote(self, code, student_id, poll_id, choice) -> None:
        student_id = model.check_id(student_id, "student id")
        room, votes = self._keys(code)
        if not self._hit("vote", student_id, model.VOTES_PER_MINUTE):
            raise RateLimited("Too many votes in a minute: wait a moment.")
        poll = self._read_poll(room)
        if poll is None or poll.poll_id != poll_id or poll.state != "open":
            raise PollClosed("This poll is closed.")
        # The poll's options never change under its id, so the check stays true; the script
        # checks again that this poll is still the open one.
        choice = repr(model.clean_choice(choice, poll))
        args = [self._ttl_ms, poll_id, student_id, choice, model.MAX_VOTERS]
        result = self._check(self._run(lambda: self._vote(keys=[room, votes], args=args)))
        if result == _FULL:
            raise RoomError("This poll has as many votes as it can take.")

    def counts(self, code, secret) -> PollCounts:
        room, votes = self._keys(code)

        def read():
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hmget(room, ("digest", *_POLL_FIELDS))
                pipe.hvals(votes)
                return pipe.execute()

        fields, choices = self._run(read)
        if fields[0] is None:
            raise RoomNotFound(NOT_FOUND)
        if not model.secret_matches(secret, fields[0]):
            raise NotLecturer(NOT_LECTURER)
        poll = _poll(fields[1:])
        if poll is None:
            raise RoomError("This room has no poll.")
        return model.tally(poll, (_choice(c, poll.numeric) for c in choices))

    def my_vote(self, code, student_id, poll_id) -> int | float | None:
        room, votes = self._keys(code)
        if not isinstance(student_id, str):
            return None

        def read():
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.hmget(room, ("digest", "poll_id", "poll_numeric"))
                pipe.hget(votes, student_id)
                return pipe.execute()

        (digest, current, numeric), choice = self._run(read)
        if digest is None:
            raise RoomNotFound(NOT_FOUND)
        if current != poll_id or choice is None:
            return None
        return _choice(choice, numeric == "1")

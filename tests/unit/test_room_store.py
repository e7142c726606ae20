"""The classroom room store: the same behaviour on every back end (in-process and Redis).

Each test gets a backend: it makes stores with a short room lifetime and rate window, and
lets time pass (a fake monotonic clock in-process; real waiting for Redis, whose keys expire
on Redis's own clock).
"""

from __future__ import annotations

import re
import string
import time
import uuid

import pytest
import redis

from app_support.classroom import model
from app_support.classroom.memory import InProcessStore
from app_support.classroom.redis_store import RedisStore
from app_support.classroom.store import (
    NotLecturer,
    PollClosed,
    RateLimited,
    RoomError,
    RoomNotFound,
    StoreUnavailable,
    get_store,
    new_student_id,
    normalize_code,
)
from app_support.navigation import PAGES
from app_support.urlstate import MAX_TEXT
from bench.serve import free_port, redis_server


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class MemoryBackend:
    ttl = 0.6  # seconds a test room lives without activity
    period = 0.6  # seconds of a test rate-limit window

    def __init__(self):
        self.clock = Clock()

    def store(self, **kwargs):
        kwargs.setdefault("ttl_s", self.ttl)
        kwargs.setdefault("rate_period_s", self.period)
        return InProcessStore(clock=self.clock, **kwargs)

    def wait(self, seconds: float) -> None:
        self.clock.now += seconds


class RedisBackend:
    """Stores on the test session's redis-server, each under a prefix of its own. Times are
    real: long enough that a loaded machine's pauses between two calls of a test stay well
    inside a room's lifetime or a rate window."""

    ttl = 2.0
    period = 2.0

    def __init__(self, url: str):
        self.url = url

    def store(self, **kwargs):
        kwargs.setdefault("ttl_s", self.ttl)
        kwargs.setdefault("rate_period_s", self.period)
        return RedisStore(self.url, prefix=f"test-{uuid.uuid4().hex}:", **kwargs)

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)  # keys expire on Redis's clock


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as server:
        yield server.url


@pytest.fixture(params=["memory", "redis"])
def backend(request):
    if request.param == "memory":
        return MemoryBackend()
    return RedisBackend(request.getfixturevalue("redis_url"))


@pytest.fixture
def room(backend):
    store = backend.store()
    code, secret = store.create_room()
    return store, code, secret


def _poll(store, code, secret, options=("yes", "no", "it depends")):
    return store.open_poll(code, secret, "Does momentum help here?", options, answer="yes")


# -- codes and ids ---------------------------------------------------------------------------


def test_the_code_alphabet_has_thirty_symbols_and_no_look_alikes():
    alphabet = model.CODE_ALPHABET
    assert len(alphabet) == len(set(alphabet)) == 30
    assert set(alphabet) <= set(string.digits + string.ascii_uppercase)
    assert not set(alphabet) & set("01OILU")
    # the docstring's guessing figures follow from the alphabet and limits
    assert len(alphabet) ** model.CODE_LENGTH == 729_000_000
    assert "729,000,000" in model.__doc__
    hits_per_guess = model.MAX_ROOMS / len(alphabet) ** model.CODE_LENGTH
    days = 1 / hits_per_guess / model.JOINS_PER_MINUTE / 60 / 24
    assert 50 <= days < 51 and "50 days" in model.__doc__


def test_room_codes_use_the_alphabet_and_secrets_are_long(room):
    store, code, secret = room
    assert re.fullmatch(f"[{model.CODE_ALPHABET}]{{6}}", code)
    assert len(secret) >= 32
    codes = {store.create_room()[0] for _ in range(50)}
    assert len(codes) == 50


def test_a_typed_code_is_normalized_and_a_malformed_one_is_not_found(room):
    store, code, _ = room
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    assert normalize_code(typed) == code
    store.check_room(typed)
    for bad in ("", "ABC", "ABCDEFG", "0OIL1U", None, 123456, "A" * 1000):
        with pytest.raises(RoomNotFound) as error:
            store.check_room(bad)
        assert "No room has this code" in error.value.message


def test_an_unknown_code_is_not_found(room):
    store, code, _ = room
    other = next(c for c in ("222222", "333333") if c != code)
    with pytest.raises(RoomNotFound):
        store.check_room(other)
    with pytest.raises(RoomNotFound):
        store.version(other)


def test_student_ids_are_random_and_url_safe():
    ids = {new_student_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]{16}", i) for i in ids)


# -- the lecturer's rights -------------------------------------------------------------------


def test_only_the_secret_controls_the_room(room):
    store, code, secret = room
    other_code, other_secret = store.create_room()
    assert store.is_lecturer(code, secret)
    for wrong in ("", "x", other_secret, secret[:-1], secret + "x", None, 7):
        assert not store.is_lecturer(code, wrong)
        with pytest.raises(NotLecturer):
            store.send_view(code, wrong, "momentum", "alpha=0.9")
        with pytest.raises(NotLecturer):
            _poll(store, code, wrong)
        with pytest.raises(NotLecturer):
            store.close_poll(code, wrong)
        with pytest.raises(NotLecturer):
            store.reveal_poll(code, wrong)
        with pytest.raises(NotLecturer):
            store.counts(code, wrong)
    assert store.current_view(code) is None and store.current_poll(code) is None
    assert store.version(code) == 0


# -- views -----------------------------------------------------------------------------------


def test_a_sent_view_is_what_followers_read_and_bumps_the_version(room):
    store, code, secret = room
    assert store.current_view(code) is None
    first = store.send_view(code, secret, "momentum", "?surface=ravine&alpha=0.9")
    assert first.page == "momentum" and first.query == "surface=ravine&alpha=0.9"
    assert store.current_view(code) == first and store.version(code) == first.version
    second = store.send_view(code, secret, "home", "")
    assert second.version > first.version and store.current_view(code) == second


def test_every_page_of_the_lab_and_home_can_be_sent_and_nothing_else(room):
    store, code, secret = room
    for info in PAGES:
        name = info.path.removeprefix("pages/").removesuffix(".py")
        assert store.send_view(code, secret, name, "").page == name
    for bad in ("nowhere", "../app", "pages/momentum.py", "", None, "Momentum"):
        with pytest.raises(RoomError) as error:
            store.send_view(code, secret, bad, "")
        assert not isinstance(error.value, NotLecturer)


@pytest.mark.parametrize(
    "query",
    [
        "a=" + "x" * (model.MAX_VALUE + 1),
        "&".join(f"p{i}=1" for i in range(model.MAX_PARAMS + 1)),
        "x" * (model.MAX_QUERY + 1),
        "bad name=1",
        "<script>=1",
        "a=%0Ab",  # a control character in a value
        "=1",
        17,
    ],
)
def test_a_view_no_deep_link_could_carry_is_refused_and_the_old_one_kept(room, query):
    store, code, secret = room
    kept = store.send_view(code, secret, "momentum", "alpha=0.9")
    with pytest.raises(RoomError) as error:
        store.send_view(code, secret, "momentum", query)
    assert error.value.message
    assert store.current_view(code) == kept and store.version(code) == kept.version


def test_a_query_is_stored_in_canonical_form_with_its_values_for_the_page_to_check(room):
    store, code, secret = room
    # "9" is out of range for α, but only the momentum page knows that: it checks the value
    # when it applies the view, as for any deep link
    view = store.send_view(code, secret, "momentum", "alpha=9&f=x%2By&f=a%20b")
    assert view.query == "alpha=9&f=x%2By&f=a+b"


# -- polls -----------------------------------------------------------------------------------


def test_one_vote_per_student_changeable_until_the_poll_closes(room):
    store, code, secret = room
    poll = _poll(store, code, secret)
    assert poll.state == "open" and poll.answer == ""  # the answer waits for the reveal
    students = [new_student_id() for _ in range(5)]
    for i, student in enumerate(students):
        store.vote(code, student, poll.poll_id, i % 3)
    store.vote(code, students[0], poll.poll_id, 2)  # changes their vote, adds none
    store.vote(code, students[0], poll.poll_id, 2)
    counts = store.counts(code, secret)
    assert counts.counts == (1, 2, 2) and counts.votes == 5 and counts.numbers == ()
    assert store.my_vote(code, students[0], poll.poll_id) == 2
    assert store.my_vote(code, new_student_id(), poll.poll_id) is None
    assert store.my_vote(code, ["not", "an", "id"], poll.poll_id) is None
    store.close_poll(code, secret)
    with pytest.raises(PollClosed):
        store.vote(code, students[1], poll.poll_id, 0)
    with pytest.raises(PollClosed):
        store.vote(code, new_student_id(), poll.poll_id, 0)
    assert store.counts(code, secret).counts == (1, 2, 2)
    assert store.current_poll(code).state == "closed"
    assert store.current_poll(code).answer == ""


def test_the_answer_shows_once_revealed_and_closing_after_changes_nothing(room):
    store, code, secret = room
    poll = _poll(store, code, secret)
    before = store.version(code)
    store.reveal_poll(code, secret)  # straight from open: closes it too
    revealed = store.current_poll(code)
    assert revealed.state == "revealed" and revealed.answer == "yes"
    assert revealed.poll_id == poll.poll_id and store.version(code) > before
    version = store.version(code)
    store.close_poll(code, secret)
    assert store.current_poll(code).state == "revealed" and store.version(code) == version
    with pytest.raises(PollClosed):
        store.vote(code, new_student_id(), poll.poll_id, 0)


def test_a_new_poll_replaces_the_old_one_and_its_votes(room):
    store, code, secret = room
    old = _poll(store, code, secret)
    student = new_student_id()
    store.vote(code, student, old.poll_id, 1)
    new = store.open_poll(code, secret, "Steps to converge?", (), numeric=True, answer="37")
    assert new.poll_id != old.poll_id and new.numeric and new.options == ()
    with pytest.raises(PollClosed):
        store.vote(code, student, old.poll_id, 0)
    assert store.my_vote(code, student, old.poll_id) is None
    for i, number in enumerate((40, 12.5, 37, 1e6)):
        store.vote(code, f"s{i}", new.poll_id, number)
    counts = store.counts(code, secret)
    assert counts.counts is None and counts.numbers == (12.5, 37.0, 40.0, 1e6)
    assert counts.votes == 4
    assert store.my_vote(code, "s1", new.poll_id) == 12.5


@pytest.mark.parametrize("choice", [-1, 3, 1.0, True, "1", None, float("nan")])
def test_a_vote_that_is_not_an_option_is_refused(room, choice):
    store, code, secret = room
    poll = _poll(store, code, secret)
    with pytest.raises(RoomError):
        store.vote(code, "student", poll.poll_id, choice)
    assert store.counts(code, secret).votes == 0


@pytest.mark.parametrize("choice", [float("inf"), float("nan"), 2e9, "5", None, True])
def test_a_prediction_that_is_not_a_number_in_range_is_refused(room, choice):
    store, code, secret = room
    poll = store.open_poll(code, secret, "Steps?", (), numeric=True)
    with pytest.raises(RoomError):
        store.vote(code, "student", poll.poll_id, choice)
    assert store.counts(code, secret).votes == 0


@pytest.mark.parametrize(
    ("question", "options", "numeric"),
    [
        ("", ("a", "b"), False),
        ("q" * (model.MAX_QUESTION + 1), ("a", "b"), False),
        ("q", ("a",), False),
        ("q", tuple("abcdefghi"), False),
        ("q", ("a", "x" * (model.MAX_OPTION + 1)), False),
        ("q", ("a", ""), False),
        ("q", ("a", "b"), True),
    ],
)
def test_a_poll_out_of_bounds_is_refused(room, question, options, numeric):
    store, code, secret = room
    with pytest.raises(RoomError):
        store.open_poll(code, secret, question, options, numeric=numeric)
    assert store.current_poll(code) is None


def test_votes_are_capped_per_poll(backend):
    store = backend.store()
    code, secret = store.create_room()
    poll = _poll(store, code, secret)
    for i in range(model.MAX_VOTERS):
        store.vote(code, f"s{i}", poll.poll_id, i % 3)
    store.vote(code, "s0", poll.poll_id, 1)  # a voter may still change their vote
    with pytest.raises(RoomError):
        store.vote(code, "one-too-many", poll.poll_id, 0)
    assert store.counts(code, secret).votes == model.MAX_VOTERS


def test_lecturer_operations_without_a_poll_say_so(room):
    store, code, secret = room
    for operation in (store.close_poll, store.reveal_poll, store.counts):
        with pytest.raises(RoomError):
            operation(code, secret)
    with pytest.raises(PollClosed):
        store.vote(code, "student", "no-such-poll", 0)


# -- expiry and limits -----------------------------------------------------------------------


def test_a_room_expires_after_its_lifetime_without_activity(backend):
    store = backend.store()
    code, secret = store.create_room()
    backend.wait(backend.ttl * 0.6)
    store.send_view(code, secret, "momentum", "")  # activity: the lifetime starts again
    backend.wait(backend.ttl * 0.6)
    assert store.current_view(code).page == "momentum"
    backend.wait(backend.ttl * 0.6)
    for read in (store.check_room, store.version, store.current_view, store.current_poll):
        with pytest.raises(RoomNotFound):
            read(code)
    with pytest.raises(RoomNotFound):
        store.send_view(code, secret, "momentum", "")


def test_joins_are_rate_limited_per_session(backend):
    store = backend.store(ttl_s=60)
    code, _ = store.create_room()
    for _ in range(model.JOINS_PER_MINUTE):
        store.check_room(code, session_id="guesser")
    with pytest.raises(RateLimited):
        store.check_room("222222", session_id="guesser")  # guesses count as joins
    store.check_room(code, session_id="another-session")
    backend.wait(backend.period * 1.2)
    store.check_room(code, session_id="guesser")


def test_votes_are_rate_limited_per_student(room, backend):
    store, code, secret = room
    poll = _poll(store, code, secret)
    for i in range(model.VOTES_PER_MINUTE):
        store.vote(code, "fidget", poll.poll_id, i % 3)
    with pytest.raises(RateLimited):
        store.vote(code, "fidget", poll.poll_id, 0)
    assert store.my_vote(code, "fidget", poll.poll_id) == (model.VOTES_PER_MINUTE - 1) % 3
    store.vote(code, "calm", poll.poll_id, 0)


def test_ids_that_are_not_url_safe_are_refused(room):
    store, code, secret = room
    poll = _poll(store, code, secret)
    for bad in ("", "a b", "x" * (model.MAX_ID + 1), None, "a:b"):
        with pytest.raises(RoomError):
            store.vote(code, bad, poll.poll_id, 0)
        if bad is not None:  # no session id: a look-up the store itself makes
            with pytest.raises(RoomError):
                store.check_room(code, session_id=bad)


def test_a_store_holds_a_bounded_number_of_rooms(backend):
    store = backend.store(max_rooms=3)
    for _ in range(3):
        store.create_room()
    with pytest.raises(RoomError) as error:
        store.create_room()
    assert "as many rooms" in error.value.message
    backend.wait(backend.ttl * 1.2)  # the old rooms expired: room for new ones
    store.create_room()


def test_a_views_values_are_bounded_as_a_deep_links_are():
    assert model.MAX_VALUE == MAX_TEXT


def test_the_process_store_is_in_process_without_redis_url(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr("app_support.classroom.store._store", None)
    store = get_store()
    assert isinstance(store, InProcessStore) and get_store() is store


def test_the_process_store_is_redis_with_redis_url(monkeypatch, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setattr("app_support.classroom.store._store", None)
    store = get_store()
    assert isinstance(store, RedisStore) and get_store() is store
    code, secret = store.create_room()
    assert store.is_lecturer(code, secret)


def test_redis_keys_carry_the_rooms_lifetime_and_votes_keep_no_more_than_ids(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore(redis_url, prefix="ttl-test:", ttl_s=3600)
    code, secret = store.create_room()
    poll = _poll(store, code, secret)
    store.vote(code, "student-a", poll.poll_id, 1)
    room, votes = f"ttl-test:room:{code}", f"ttl-test:votes:{code}"
    assert 3590_000 < client.pttl(room) <= 3600_000
    assert 3590_000 < client.pttl(votes) <= 3600_000
    assert client.hgetall(votes) == {"student-a": "1"}
    assert secret not in str(client.hgetall(room))  # only its digest is kept
    assert client.hget(room, "digest") == model.secret_digest(secret)


def test_an_unreachable_redis_makes_every_call_store_unavailable_and_recovers():
    port = free_port()
    store = RedisStore(f"redis://127.0.0.1:{port}/0", retry_after_s=0.0)
    calls = [
        store.create_room,
        lambda: store.check_room("ABCDEF"),
        lambda: store.check_room("ABCDEF", session_id="s"),
        lambda: store.is_lecturer("ABCDEF", "x"),
        lambda: store.send_view("ABCDEF", "x", "home", ""),
        lambda: store.current_view("ABCDEF"),
        lambda: store.open_poll("ABCDEF", "x", "q", ("a", "b")),
        lambda: store.close_poll("ABCDEF", "x"),
        lambda: store.reveal_poll("ABCDEF", "x"),
        lambda: store.current_poll("ABCDEF"),
        lambda: store.vote("ABCDEF", "s", "p", 0),
        lambda: store.counts("ABCDEF", "x"),
        lambda: store.my_vote("ABCDEF", "s", "p"),
        lambda: store.version("ABCDEF"),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable) as error:
            call()
        assert "unavailable" in error.value.message
    with redis_server(port):  # Redis is back: the same store works again
        code, secret = store.create_room()
        assert store.version(code) == 0


def test_after_a_failure_calls_fail_at_once_until_the_retry_delay(monkeypatch):
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", retry_after_s=60.0)
    with pytest.raises(StoreUnavailable):
        store.version("ABCDEF")
    tried = []
    monkeypatch.setattr(store._redis, "hget", lambda *a: tried.append(a))
    with pytest.raises(StoreUnavailable):
        store.version("ABCDEF")
    assert tried == []  # the dead server was not asked again


def test_a_replica_shares_one_version_read_between_its_followers_for_a_moment(redis_url):
    lecturer = RedisStore(redis_url, prefix="cache-test:", version_cache_s=60)
    code, secret = lecturer.create_room()
    patient = RedisStore(redis_url, prefix="cache-test:", version_cache_s=60)
    eager = RedisStore(redis_url, prefix="cache-test:", version_cache_s=0)
    assert lecturer.version(code) == patient.version(code) == eager.version(code) == 0
    view = lecturer.send_view(code, secret, "momentum", "")
    assert lecturer.version(code) == view.version == 1  # its own write, seen at once
    assert eager.version(code) == 1
    assert patient.version(code) == 0  # the shared read is at most version_cache_s old
    assert patient.current_view(code) == view  # everything else is read afresh
    poll = lecturer.open_poll(code, secret, "q", ("a", "b"))
    lecturer.close_poll(code, secret)
    assert lecturer.version(code) == 3 and poll.state == "open"
    lecturer.close_poll(code, secret)  # no change: no new version
    assert lecturer.version(code) == eager.version(code) == 3

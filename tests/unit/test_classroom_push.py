"""The server-side watcher of classroom followers (`app_support.classroom.push.Watchers`),
with a fake store and fake sessions: who is rerun, when, and how often."""

from __future__ import annotations

from app_support.classroom.push import Watchers


class Fakes:
    def __init__(self):
        self.versions = {"ROOM1": 1, "ROOM2": 5}
        self.alive = {"a", "b", "c"}
        self.reruns: list[str] = []

    def version_of(self, code):
        if code not in self.versions:
            raise LookupError(code)  # an expired room, or a store that is down
        return self.versions[code]

    def rerun(self, session):
        self.reruns.append(session)
        return session in self.alive


def watchers(fakes: Fakes) -> Watchers:
    return Watchers(fakes.version_of, fakes.rerun, period=3600)  # its thread never wakes here


def test_only_sessions_behind_their_room_are_rerun_and_only_once():
    fakes = Fakes()
    w = watchers(fakes)
    w.watch("ROOM1", "a", 1)
    w.watch("ROOM1", "b", 1)
    w.watch("ROOM2", "c", 5)
    assert w.check() == 0 and fakes.reruns == []  # nothing changed: idle costs nothing
    fakes.versions["ROOM1"] = 2  # the lecturer sent a view
    assert w.check() == 2
    assert sorted(fakes.reruns) == ["a", "b"]
    assert w.check() == 0  # not rerun again before their new runs report
    w.watch("ROOM1", "a", 2)  # a's rerun drew version 2
    assert w.check() == 0


def test_a_closed_tab_and_a_student_who_left_are_dropped():
    fakes = Fakes()
    w = watchers(fakes)
    w.watch("ROOM1", "gone", 1)
    w.watch("ROOM1", "a", 1)
    w.forget("a")
    fakes.versions["ROOM1"] = 2
    assert w.check() == 0
    assert fakes.reruns == ["gone"]
    assert w.watched() == {}


def test_a_session_that_moves_to_another_room_is_watched_there_only():
    fakes = Fakes()
    w = watchers(fakes)
    w.watch("ROOM1", "a", 1)
    w.watch("ROOM2", "a", 5)
    assert w.watched() == {"ROOM2": {"a": 5}}


def test_a_room_that_cannot_be_read_leaves_its_sessions_waiting():
    fakes = Fakes()
    w = watchers(fakes)
    w.watch("GONE", "a", 3)
    assert w.check() == 0
    assert w.watched() == {"GONE": {"a": 3}}
    fakes.versions["GONE"] = 4  # the store is back
    assert w.check() == 1


def test_without_a_server_no_session_can_be_rerun():
    """Outside a running server (here, or AppTest) pages fall back to the polling fragment."""
    from app_support import streamlit_internals

    assert streamlit_internals.can_rerun_sessions() is False
    assert streamlit_internals.rerun_session("no-such-session") is False
    assert streamlit_internals.this_session_id() is None

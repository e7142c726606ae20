"""The server-side watcher of classroom followers (`app_support.classroom.push.Watchers`),
with a fake store and fake sessions: who is rerun, when, and how often."""

from __future__ import annotations

from types import SimpleNamespace

from streamlit.runtime.scriptrunner_utils.script_run_context import SCRIPT_RUN_CONTEXT_ATTR_NAME

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


class _FakeSession:
    """An AppSession as `rerun_session` sees it: the client state saved when its script runner
    last stopped, and the runner's thread with the context of the run going on (if any)."""

    def __init__(self, saved_query: str, running_query: str | None):
        from streamlit.proto.ClientState_pb2 import ClientState

        self._client_state = ClientState(query_string=saved_query, page_script_hash="page-hash")
        self._scriptrunner = None
        if running_query is not None:
            thread = SimpleNamespace()
            setattr(
                thread, SCRIPT_RUN_CONTEXT_ATTR_NAME, SimpleNamespace(query_string=running_query)
            )
            self._scriptrunner = SimpleNamespace(_script_thread=thread)
        self.asked: list = []

    def request_rerun(self, client_state):
        self.asked.append(client_state)


def _runtime_with(monkeypatch, session: _FakeSession) -> None:
    from app_support import streamlit_internals

    manager = SimpleNamespace(
        get_active_session_info=lambda sid: SimpleNamespace(session=session) if sid == "s" else None
    )
    runtime = SimpleNamespace(_session_mgr=manager)
    monkeypatch.setattr(streamlit_internals.Runtime, "instance", staticmethod(lambda: runtime))


def test_a_rerun_during_a_run_keeps_the_url_that_run_wrote(monkeypatch):
    """A follower's run applied view 1 (its URL now steps=210) and a newer change reruns it
    before the run ended: the rerun must start from steps=210, not from the URL the session's
    last finished run saved (steps=200), which would show the old view as the seen one."""
    from app_support import streamlit_internals

    session = _FakeSession(saved_query="steps=200", running_query="steps=210")
    _runtime_with(monkeypatch, session)
    assert streamlit_internals.rerun_session("s") is True
    (asked,) = session.asked
    assert asked.query_string == "steps=210"
    assert asked.page_script_hash == "page-hash"  # the page it is on
    assert session._client_state.query_string == "steps=200"  # the saved state is not changed
    assert streamlit_internals.rerun_session("gone") is False


def test_a_rerun_between_runs_keeps_the_saved_url(monkeypatch):
    from app_support import streamlit_internals

    session = _FakeSession(saved_query="steps=230", running_query=None)
    _runtime_with(monkeypatch, session)
    assert streamlit_internals.rerun_session("s") is True
    assert session.asked[0].query_string == "steps=230"

"""Following the lecturer: the lecturer's session sends views (a page and its URL query), a
following student's session applies the newest one, and a small poller tells an idle
student's session that something changed.

A view is applied the way a deep link is: its query becomes the page's URL before the page's
`PageState` reads it (or `st.switch_page` opens the other page with it), so every value goes
through the same checks as a link typed by hand, and a bad one falls back to its default with a
notice. The lecturer's own `present` switch is not sent (students keep their own mode).

How a follower learns of a new view, measured by `python -m bench.classroom_watch` (100
student sessions in one room on one server; one run, on a shared 2-core machine under load):

| watcher | server CPU, 100 idle followers | per tick |
|---|---|---|
| none (sessions connected, idle) | 0.5 % of one core | |
| fragment, ``run_every`` 0.75 s, reads the version | 19.8 % of one core | 1.9 ms |
| a whole page rerun at that rate instead | (server saturated) | 13.1 ms |
| the server reruns followers (`push.Watchers`) | 0.8 % of one core | |

A fragment tick is a script run however little it does, so polling from the page costs a
fifth of a core per 100 students, twice the 10 % target; the server-side watcher reads each
room's version every `PUSH_SECONDS` on each server (one read per room, not per student) and
costs idle followers nothing. It is the default.

When a view is sent, every follower's page reruns with it whichever way it learnt of it: on
one server process 100 reruns of the adaptive page took p50 2.6 s, p95 4.4 s to reach the
last student in the same run (the benchmark's own 100 clients on the same two cores), the
rerun work, not the notice; more replicas share it.

Where the server cannot rerun sessions (AppTest, another Streamlit) or when
``LLL_CLASSROOM_WATCH=fragment`` is set, the fragment is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from app_support import streamlit_internals
from app_support.classroom import seat as seats
from app_support.classroom import store
from app_support.classroom.push import Watchers
from app_support.navigation import PAGES

PUSH_SECONDS = 0.25  # a sent view reaches a follower within this plus one page run
WATCH_SECONDS = 0.75  # the fragment's period, where the server cannot rerun sessions
WATCH_MODE = os.environ.get("LLL_CLASSROOM_WATCH", "push")  # "push" or "fragment"
JOIN = "room"  # ?room=CODE: a join link
LECTURER = "lecturer"  # ?room=CODE&lecturer=SECRET: the lecturer's private link
_NOT_SENT = ("present",)  # the lecturer's presentation switch stays theirs
_DRAWN = "_classroom.drawn"  # the room's version this run was drawn from

# page name (its URL path) -> its script, for `st.switch_page`
PAGE_FILES = {"home": "pages/home.py", **{Path(p.path).stem: p.path for p in PAGES}}


def view_query(params) -> str:
    """The query a lecturer's page sends: its URL parameters less `present`."""
    kept = {name: value for name, value in params.items() if name not in _NOT_SENT}
    return urlencode(kept, doseq=True)


def view_params(query: str) -> dict[str, list[str]]:
    """A sent query as URL parameters (blank values kept: the page's checks judge them)."""
    return parse_qs(query, keep_blank_values=True)


def _url() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def arrive(page: str) -> None:
    """First thing on every page, before its `PageState`: take a join link's room out of the
    URL, and for a follower apply the lecturer's newest view (may switch page)."""
    if JOIN in st.query_params:
        code = st.query_params.get(JOIN, "")
        secret = st.query_params.get(LECTURER) or None
        for name in (JOIN, LECTURER):  # neither a setting of the page nor for the address bar
            if name in st.query_params:
                del st.query_params[name]
        seats.join(code, secret)
    here = seats.seat()
    if not here.student:
        return
    # The version first: a change made after this read reruns the page again (`watch`).
    st.session_state[_DRAWN] = signature(here.code)
    if not here.following:
        return
    try:
        view = store.get_store().current_view(here.code)
    except store.RoomError as error:  # a store that is down: the page works on its own
        seats.note(error.message)
        return
    state = st.session_state
    if view is None:
        return
    if view.version == state.get(seats.SEEN):
        if page != view.page or _moved_away(page, view.query):
            state[seats.FOLLOWING] = False  # went to another page, or opened a scene or link
        return
    if view.page not in PAGE_FILES:
        seats.note("The lecturer sent a page this lab does not have.")
        return
    state[seats.SEEN], state[seats.VIEW] = view.version, view.query
    params = view_params(view.query)
    if view.page != page:
        try:
            st.switch_page(PAGE_FILES[view.page], query_params=params)
        except StreamlitAPIException:  # no navigation (a page run on its own)
            seats.note("The lecturer's page could not be opened here.")
            return
    if "present" in st.query_params:
        params["present"] = st.query_params.get_all("present")
    st.query_params.from_dict(params)


def _moved_away(page: str, query: str) -> bool:
    """Whether this run loads a URL of the student's own (a scene button, a link, the back
    button) that is not the followed view: the URL is not what the page last wrote."""
    url = _url()
    url.pop("present", None)
    written = dict(st.session_state.get(f"_urlstate.{page}") or {})
    written.pop("present", None)
    return url != written and url != view_params(query)


def leave_if_moved(state) -> None:
    """After the page's `PageState` exists: a follower who moved a control of the page (its
    value now departs from the followed view) explores on their own from now on."""
    here = seats.seat()
    query = st.session_state.get(seats.VIEW)
    if not (here.student and here.following) or query is None:
        return
    params = {name: values[-1] for name, values in view_params(query).items()}
    if state.departs_from(params, ignore=_NOT_SENT):
        st.session_state[seats.FOLLOWING] = False


def send(page: str, params) -> None:
    """Send `page` with URL parameters `params` to the room (lecturer only: the store checks
    the secret); a failure becomes a message."""
    here = seats.seat()
    if here.code is None:
        return
    query = view_query(params)
    try:
        store.get_store().send_view(here.code, here.secret or "", page, query)
    except store.RoomError as error:
        seats.refused(error)
        return
    st.session_state[_SENT] = (page, query)


_SENT = "_classroom.sent"
AUTO = "classroom.auto"  # the lecturer's auto-send switch (a widget)


def send_now(page: str) -> None:
    """ "Send this view" callback: the URL the page's last run wrote is the view shown."""
    send(page, _url())


def auto_send(page: str, params) -> None:
    """Called when a lecturer's page has written its URL: with auto-send on, a view that
    differs from the last one sent goes out."""
    if not (seats.seat().lecturer and st.session_state.get(AUTO)):
        return
    if st.session_state.get(_SENT) != (page, view_query(params)):
        send(page, params)


def signature(code: str) -> int | str:
    """What a student's page shows of the room changes only with the room's version (a new
    view or a poll change; votes leave it alone): one cheap read of the store."""
    try:
        return store.get_store().version(code)
    except store.RoomError:
        return "unavailable"


@st.fragment(run_every=WATCH_SECONDS)
def _watch(code: str, known) -> None:
    if signature(code) != known:
        st.rerun(scope="app")


def _room_version(code: str) -> int:
    return store.get_store().version(code)


WATCHERS = Watchers(_room_version, streamlit_internals.rerun_session, PUSH_SECONDS)


def watch(code: str) -> None:
    """Rerun the page when the room changes (called once per page run, for students)."""
    version = st.session_state.get(_DRAWN)
    if version is None:
        version = signature(code)
    session = streamlit_internals.this_session_id()
    pushed = WATCH_MODE == "push" and streamlit_internals.can_rerun_sessions()
    if pushed and session is not None and isinstance(version, int):
        WATCHERS.watch(code, session, version)
        return
    _watch(code, version)


def unwatch() -> None:
    """This session is in no room (any more): the server stops rerunning it."""
    session = streamlit_internals.this_session_id()
    if session is not None:
        WATCHERS.forget(session)

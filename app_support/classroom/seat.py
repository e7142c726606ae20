"""Where this browser session sits in a classroom: the room it is in, whether it holds the
lecturer's secret, its anonymous student id, whether it follows the lecturer.

All of it lives in the session's own state under keys that no widget has (``_classroom.*``):
a browser can only send values for widgets a run drew, so a student cannot set them. The
secret enters a session in two ways only: the store's answer to "Start a room", or a private
lecturer link that the store confirms (`join`). Every lecturer action hands the secret back to
the store, which checks it; the page never decides on its own that a session may act.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from app_support.classroom import store

CODE = "_classroom.code"
SECRET = "_classroom.secret"
STUDENT = "_classroom.student"
FOLLOWING = "_classroom.following"
SEEN = "_classroom.seen"  # version of the last view this follower applied (-1: none yet)
VIEW = "_classroom.view"  # that view's query, to tell when the student moves away from it
NOTES = "_classroom.notes"  # messages for the next run (a callback cannot draw)


class Seat(NamedTuple):
    """This session's place: `code` None outside a room; `secret` only for the lecturer."""

    code: str | None
    secret: str | None
    following: bool

    @property
    def lecturer(self) -> bool:
        return self.code is not None and self.secret is not None

    @property
    def student(self) -> bool:
        return self.code is not None and self.secret is None


def seat() -> Seat:
    state = st.session_state
    return Seat(state.get(CODE), state.get(SECRET), bool(state.get(FOLLOWING)))


def student_id() -> str:
    """This session's anonymous id: random, made once, never shown."""
    if STUDENT not in st.session_state:
        st.session_state[STUDENT] = store.new_student_id()
    return st.session_state[STUDENT]


def note(message: str) -> None:
    """A message to show at the top of the room panel on the next drawing of it."""
    st.session_state.setdefault(NOTES, []).append(message)


def refused(error: store.RoomError) -> None:
    """A store's refusal: its message for the user; a secret the store did not accept is
    dropped, so the session shows no lecturer controls any more."""
    note(error.message)
    if isinstance(error, store.NotLecturer):
        st.session_state[SECRET] = None


def take_notes() -> list[str]:
    return st.session_state.pop(NOTES, [])


def start_room() -> None:
    """Button callback: a new room with this session as its lecturer."""
    try:
        code, secret = store.get_store().create_room()
    except store.RoomError as error:
        note(error.message)
        return
    _sit(code, secret)


def join(text: str, secret: str | None = None) -> bool:
    """Join room `text` (a code as typed or from a join link); with a `secret` the store
    confirms, as its lecturer. A bad, unknown or expired code leaves the session where it was
    with a message; the store limits how many codes one session may try a minute."""
    rooms = store.get_store()
    try:
        code = store.normalize_code(text)
        rooms.check_room(code, student_id())
        lecturer = bool(secret) and rooms.is_lecturer(code, secret)
    except store.RoomError as error:
        note(error.message)
        return False
    if secret and not lecturer:
        note(f"That lecturer link does not hold room {code}'s key: you joined as a student.")
    _sit(code, secret if lecturer else None)
    return True


def _sit(code: str, secret: str | None) -> None:
    state = st.session_state
    state[CODE], state[SECRET] = code, secret
    state[FOLLOWING] = secret is None  # a student follows from the start
    state[SEEN], state[VIEW] = -1, None  # a late joiner lands on the current view


def leave_room() -> None:
    """Button callback: out of the room; the page stays as it is."""
    for key in (CODE, SECRET, FOLLOWING, SEEN, VIEW):
        st.session_state.pop(key, None)


def follow(on: bool) -> None:
    """Button callback: "Explore on my own" (False) or "Follow again" (True: the next run
    applies the lecturer's current view)."""
    st.session_state[FOLLOWING] = on
    if on:
        st.session_state[SEEN] = -1

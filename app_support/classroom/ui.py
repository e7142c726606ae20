"""Classroom mode on every page (`app_support.page.page_setup` calls `arrive` and `show`):
the room panel in the sidebar, the follower's banner, the polls.

- Anyone can start a room: they become its lecturer and see its code, a join link, its QR
  code (large while presenting) and their private lecturer link, which restores the lecturer's
  right on another device. The secret is shown only in that private link, in a menu of the
  lecturer's own sidebar (never while presenting), and leaves the address bar as soon as the
  link is opened.
- A student joins with the code or the join link (``?room=CODE``), follows the lecturer
  (`app_support.classroom.follow`) and answers polls (`app_support.classroom.polls`).
- A store that is down, or a code that is unknown or expired, gives a message; the page goes
  on as the single-user lab.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from app_support.classroom import follow, polls, qr
from app_support.classroom import seat as seats

AUTO_SWITCH = "classroom.auto_switch"


def arrive(page: str) -> None:
    """Before the page's `PageState` (see `follow.arrive`)."""
    follow.arrive(page)


def show(page: str, state, presenting: bool, look, app_url: str | None) -> None:
    """After the page's title and `PageState`: the room panel, the banner, the polls."""
    follow.leave_if_moved(state)
    here = seats.seat()
    polls.read(here.code)
    here = seats.seat()  # reading the room may have found it gone
    for message in seats.take_notes():
        (st if presenting else st.sidebar).warning(message, icon="🏫")
    if here.lecturer:
        follow.unwatch()
        state.finished.append(functools.partial(follow.auto_send, page))
        if presenting:
            _lecturer_presenting(page, here.code, app_url)
        else:
            _lecturer_sidebar(page, here, app_url)
        polls.lecturer_panel(page, look)
    elif here.student:
        _student_sidebar(here)
        _banner(here)
        polls.student_box()
        follow.watch(here.code)
    else:
        follow.unwatch()
        if not presenting:
            _outside()


def join_link(code: str, app_url: str | None, **extra: str) -> str:
    """The app's home address with ``?room=CODE`` (the page's own path taken off)."""
    parts = urlsplit(app_url or "")
    path = parts.path.rsplit("/", 1)[0] + "/"
    query = urlencode({follow.JOIN: code, **extra})
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _outside() -> None:
    menu = st.sidebar.expander("🏫 Classroom", key="classroom.menu", on_change="rerun")
    if not menu.open:
        return
    menu.caption("Lecturers: start a room, students follow your view and answer polls.")
    menu.button("Start a room", key="classroom.start", on_click=seats.start_room, width="stretch")
    form = menu.form("classroom.join_form", border=False)
    form.text_input("Room code", key="classroom.code_box", max_chars=16, placeholder="e.g. K7PX4M")
    form.form_submit_button("Join the room", on_click=_join_typed, width="stretch")


def _join_typed() -> None:
    seats.join(st.session_state.get("classroom.code_box", ""))


def _set_auto() -> None:
    st.session_state[follow.AUTO] = bool(st.session_state.get(AUTO_SWITCH))


def _send_controls(where, page: str) -> None:
    where.button("📡 Send this view to the class", key="classroom.send", on_click=follow.send_now,
                 args=(page,), type="primary", width="stretch")  # fmt: skip
    st.session_state[AUTO_SWITCH] = bool(st.session_state.get(follow.AUTO))
    where.toggle("Auto-send every change", key=AUTO_SWITCH, on_change=_set_auto,
                 help="Each change you make is sent to the students who follow you.")  # fmt: skip


def _lecturer_sidebar(page: str, here: seats.Seat, app_url: str | None) -> None:
    box = st.sidebar.container(border=True, key="classroom.lecturer")
    box.markdown(f"🏫 Your room: **{here.code}**")
    _send_controls(box, page)
    invite = box.expander("Join link and QR code", key="classroom.invite", on_change="rerun")
    if invite.open:
        link = join_link(here.code, app_url)
        invite.code(link, language=None, wrap_lines=True)
        invite.image(qr.qr_png(link), caption=f"Room {here.code}", width="stretch")
    private = box.expander("🔑 Your private lecturer link", key="classroom.private",
                           on_change="rerun")  # fmt: skip
    if private.open:
        private.caption(
            "Opens this room as its lecturer on another device. Keep it to yourself: "
            "whoever has it can control the room. Never project it."
        )
        private.code(join_link(here.code, app_url, **{follow.LECTURER: here.secret}),
                     language=None, wrap_lines=True)  # fmt: skip
    number = box.expander("📣 Ask for a number", key="classroom.number", on_change="rerun")
    if number.open:
        polls.number_poll_form(number, page)
    box.button("Leave the room", key="classroom.leave", on_click=seats.leave_room)


def _lecturer_presenting(page: str, code: str, app_url: str | None) -> None:
    invite = st.expander(f"🏫 Join room **{code}**", key="classroom.present_invite",
                         on_change="rerun")  # fmt: skip
    if invite.open:
        link = join_link(code, app_url)
        left, right = invite.columns([1, 1], vertical_alignment="center")
        left.image(qr.qr_png(link), width=480)
        right.markdown(f"## Room code\n# {code}\n\n{link}")
        _send_controls(right, page)


def _student_sidebar(here: seats.Seat) -> None:
    box = st.sidebar.container(border=True, key="classroom.student")
    box.markdown(f"🏫 Room **{here.code}**")
    box.button("Leave the room", key="classroom.leave", on_click=seats.leave_room)


def _banner(here: seats.Seat) -> None:
    left, right = st.columns([4, 1], vertical_alignment="center")
    if here.following:
        left.info("**Following the lecturer**: this page shows what the lecturer sends.",
                  icon="📡")  # fmt: skip
        right.button("Explore on my own", key="classroom.explore", on_click=seats.follow,
                     args=(False,), width="stretch")  # fmt: skip
    else:
        left.info(f"Exploring on your own (room {here.code}).", icon="🧭")
        right.button("Follow again", key="classroom.refollow", on_click=seats.follow,
                     args=(True,), width="stretch")  # fmt: skip

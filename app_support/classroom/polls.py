"""Live polls: the lecturer opens a quiz question of the lab (a button in every quiz box) or a
"predict a number" question as a poll; the students of the room vote, one vote each, which
they may change until the poll closes; the lecturer watches the counts as a histogram, closes
the poll, reveals the answer and can send the class the view that runs the experiment.

Nothing here decides who may do what: opening, closing, revealing and reading the counts hand
the lecturer's secret to the store, which refuses anyone else; a vote is counted by the store
under the session's anonymous id, one per student and poll.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from app_support import alt_text
from app_support.charts import plotly_chart
from app_support.classroom import follow, store
from app_support.classroom import seat as seats
from viz.classroom import number_bins, poll_figure

POLL_VIEW = "_classroom.poll_view"  # (page, query) where the lecturer opened the poll
NOW = "_classroom.poll_now"  # the room's poll as this run read it
COUNTS_SECONDS = 1.0  # the lecturer's histogram refreshes this often while the poll is open


def current() -> store.Poll | None:
    """The room's poll, read once per page run (`page_setup` stores it)."""
    return st.session_state.get(NOW)


def read(code: str | None) -> None:
    poll = None
    if code is not None:
        try:
            poll = store.get_store().current_poll(code)
        except store.RoomError as error:
            seats.note(error.message)
    st.session_state[NOW] = poll


def _lecturer_call(action: str, *args, **kwargs):
    here = seats.seat()
    try:
        return getattr(store.get_store(), action)(here.code, here.secret or "", *args, **kwargs)
    except store.RoomError as error:
        seats.refused(error)
        return None


def open_poll(page: str, question: str, options: Sequence[str], *, numeric=False, answer=""):
    """Callback: open `question` as the room's poll, remembering the view it was asked on."""
    poll = _lecturer_call("open_poll", question, tuple(options), numeric=numeric, answer=answer)
    if poll is not None:
        st.session_state[POLL_VIEW] = (page, follow.view_query(follow._url()))


def quiz_button(page: str, key: str, question: str, options: Sequence[str], right: str) -> None:
    """In a quiz box, for the lecturer only: ask this question as a poll."""
    if not seats.seat().lecturer:
        return
    poll = current()
    if poll is not None and poll.question == question and poll.state != "revealed":
        st.caption("📣 This question is the class's poll now.")
        return
    st.button(
        "📣 Ask the class",
        key=f"classroom.ask.{page}.{key}",
        on_click=open_poll,
        args=(page, question, tuple(options)),
        kwargs={"answer": right},
        help="Open this question as a live poll for the students in your room.",
    )


def revealed_answer(question: str) -> str | None:
    """The answer of `question` when it is the room's poll and the lecturer revealed it: the
    students' quiz box then shows the evidence."""
    poll = current()
    if seats.seat().code is None or poll is None or poll.state != "revealed":
        return None
    return poll.answer if poll.question == question else None


def number_poll_form(where, page: str) -> None:
    """The lecturer's free question: students answer with a number."""
    box = where.form("classroom.number_form", border=False)
    box.text_input(
        "Question",
        "How many steps until the loss is below 10⁻³?",
        max_chars=300,
        key="classroom.number_question",
    )
    box.text_input("Answer (revealed later)", "", max_chars=40, key="classroom.number_answer")
    box.form_submit_button("📣 Ask for a number", on_click=_ask_number, args=(page,))


def _ask_number(page: str) -> None:
    question = str(st.session_state.get("classroom.number_question", "")).strip()
    answer = str(st.session_state.get("classroom.number_answer", "")).strip()
    if not question:
        seats.note("A question needs some text.")
        return
    open_poll(page, question, (), numeric=True, answer=answer)


# --- the lecturer's poll panel -------------------------------------------------------------


def lecturer_panel(page: str, look) -> None:
    """The open poll, its live counts and what to do next (for the lecturer, main area)."""
    poll = current()
    if poll is None:
        return
    with st.container(border=True, key="classroom.poll_panel"):
        st.markdown(f"**📣 Poll: {poll.question}**")
        # live while votes come in; afterwards the counts no longer change
        (_live_counts if poll.state == "open" else _counts)(poll.poll_id, look)
        columns = st.columns(3)
        if poll.state == "open":
            columns[0].button("Close voting", key="classroom.close", on_click=_lecturer_call,
                              args=("close_poll",))  # fmt: skip
        elif poll.state == "closed":
            columns[0].button("Reveal the answer", key="classroom.reveal",
                              on_click=_lecturer_call, args=("reveal_poll",))  # fmt: skip
        else:
            columns[0].markdown(f"Answer: **{poll.answer or '—'}**")
        where = st.session_state.get(POLL_VIEW)
        if where is not None and poll.state == "revealed":
            columns[1].button(
                "▶ Run the experiment for the class",
                key="classroom.experiment",
                on_click=follow.send,
                args=(where[0], follow.view_params(where[1])),
            )


def _counts(poll_id: str, look) -> None:
    here = seats.seat()
    try:
        tally = store.get_store().counts(here.code, here.secret or "")
    except store.RoomError as error:
        st.warning(error.message)
        return
    if tally.poll.poll_id != poll_id:
        st.rerun(scope="app")
    poll = tally.poll
    answer = poll.answer if poll.state == "revealed" else None
    if poll.numeric:
        labels, counts = number_bins(tally.numbers)
    else:
        labels, counts = poll.options, tally.counts
    st.caption(f"{tally.votes} vote{'s' if tally.votes != 1 else ''} · {poll.state}")
    plotly_chart(
        poll_figure(labels, counts, answer, look=look),
        key="classroom.counts",
        look=look,
        alt=alt_text.chart(f"Answers to: {poll.question}", alt_text.tally(labels, counts, answer)),
    )


_live_counts = st.fragment(run_every=COUNTS_SECONDS)(_counts)


# --- a student's poll box ------------------------------------------------------------------


def student_box() -> None:
    """The room's poll for a student: vote, change the vote while it is open, see the answer."""
    here, poll = seats.seat(), current()
    if not here.student or poll is None:
        return
    rooms, me = store.get_store(), seats.student_id()
    try:
        mine = rooms.my_vote(here.code, me, poll.poll_id)
    except store.RoomError as error:
        st.warning(error.message)
        return
    with st.container(border=True, key="classroom.student_poll"):
        st.markdown(f"**📣 {poll.question}**")
        closed = poll.state != "open"
        if poll.numeric:
            key = f"classroom.number.{poll.poll_id}"
            st.number_input("Your prediction", value=None, key=key, disabled=closed,
                            on_change=_vote_number, args=(poll.poll_id, key))  # fmt: skip
        else:
            key = f"classroom.vote.{poll.poll_id}"
            if key not in st.session_state and isinstance(mine, int):
                st.session_state[key] = mine
            st.radio("Your answer", range(len(poll.options)), format_func=poll.options.__getitem__,
                     index=None, key=key, horizontal=True, disabled=closed,
                     on_change=_vote_choice, args=(poll.poll_id, key))  # fmt: skip
        shown = _shown_vote(poll, mine)
        if shown is None:
            st.caption("Voting is closed." if closed else "Not voted yet.")
        elif poll.state == "open":
            st.caption(f"Your vote: **{shown}** (you can change it until voting closes).")
        else:
            st.caption(f"Your vote: **{shown}**. Voting is closed.")
        if poll.state == "revealed" and poll.answer:
            st.success(f"The answer: **{poll.answer}**", icon="🎯")


def _vote(poll_id: str, choice: int | float) -> None:
    here = seats.seat()
    try:
        store.get_store().vote(here.code, seats.student_id(), poll_id, choice)
    except store.RoomError as error:
        seats.note(error.message)


def _shown_vote(poll: store.Poll, mine) -> str | None:
    """A student's vote as they read it: the option's text, or the number."""
    if mine is None:
        return None
    if poll.numeric:
        return f"{mine:.6g}"
    return poll.options[mine] if 0 <= mine < len(poll.options) else None


def _vote_choice(poll_id: str, key: str) -> None:
    choice = st.session_state.get(key)
    if choice is not None:
        _vote(poll_id, int(choice))


def _vote_number(poll_id: str, key: str) -> None:
    value = st.session_state.get(key)
    if value is not None:
        _vote(poll_id, float(value))

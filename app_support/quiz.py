"""The lectures' quiz questions, predict-then-run: a student answers first, then the page runs
the experiment that settles the question.

    quiz_box("momentum", "speedup", "With α = 0.9 the largest speed-up is …", "10",
             quiz_speedup, options=("1.9", "10"))

The evidence is a function that draws it (it computes only once an answer is given). Each
question keeps its answer under the widget key ``<page>.quiz.<key>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from app_support.classroom import polls


def quiz_box(
    page: str,
    key: str,
    question: str,
    right: str,
    evidence: Callable[[], None],
    *,
    options: Sequence[str] = ("yes", "no"),
) -> str | None:
    """One question in a bordered box; returns the student's answer (None before one)."""
    with st.container(border=True, key=f"{page}.quizbox.{key}"):
        polls.quiz_button(page, key, question, options, right)
        revealed = polls.revealed_answer(question)  # the class's poll: its evidence for all
        if revealed is not None and st.session_state.get(f"{page}.quiz.{key}") is None:
            st.session_state[f"{page}.quiz.{key}"] = revealed
        answer = st.radio(
            f"**{question}**", tuple(options), index=None, horizontal=True, key=f"{page}.quiz.{key}"
        )
        if answer is None:
            st.caption("Answer first: then the experiment that settles it runs.")
            return None
        if answer == right:
            st.success(f"**{right}** is right. The evidence:", icon="✅")
        else:
            st.error(f"Not quite: the answer is **{right}**. The evidence:", icon="🔁")
        evidence()
    return answer

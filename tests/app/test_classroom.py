"""Classroom mode in AppTest: a lecturer's session and students' sessions on one server share
the in-process room store. Following, leaving and following again, a late joiner, votes and
the reveal, and what a student's session cannot do."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures, sent_payloads
from app_support.classroom import model, seat, store

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "adaptive.py")


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def texts(at: AppTest) -> str:
    """Everything a session was sent as text: markdown, captions, notices, code boxes."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in ("info", "warning", "error", "success") for e in at.get(kind)]
    parts += [c.value for c in at.code] + [str(v) for v in url(at).values()]
    return "\n".join(parts)


@pytest.fixture
def lecturer() -> AppTest:
    at = open_page()
    at.session_state["classroom.menu"] = True  # the lecturer opens the classroom menu
    rerun(at)
    at.button(key="classroom.start").click()
    rerun(at)
    assert at.session_state[seat.CODE] and at.session_state[seat.SECRET]
    return at


def code_of(at: AppTest) -> str:
    return at.session_state[seat.CODE]


def send(at: AppTest) -> None:
    at.button(key="classroom.send").click()
    rerun(at)


def test_a_student_follows_leaves_and_follows_again(lecturer):
    student = open_page(room=code_of(lecturer).lower())  # a typed code's case does not matter
    assert student.session_state[seat.FOLLOWING]
    assert "room" not in url(student)
    assert any("Following the lecturer" in i.value for i in student.info)

    lecturer.select_slider(key="adaptive.b1").set_value(0.5)
    rerun(lecturer)
    send(lecturer)
    rerun(student)  # what the watcher's rerun does
    assert student.select_slider(key="adaptive.b1").value == 0.5
    assert url(student) == {"b1": "0.5"}

    student.select_slider(key="adaptive.b1").set_value(0.8)  # a control of its own
    rerun(student)
    assert not student.session_state[seat.FOLLOWING]
    assert any("Exploring on your own" in i.value for i in student.info)

    lecturer.select_slider(key="adaptive.b1").set_value(0.3)
    rerun(lecturer)
    send(lecturer)
    rerun(student)  # not following: the student's own value stays
    assert student.select_slider(key="adaptive.b1").value == 0.8

    student.button(key="classroom.refollow").click()
    rerun(student)
    assert student.session_state[seat.FOLLOWING]
    assert student.select_slider(key="adaptive.b1").value == 0.3

    student.button(key="classroom.explore").click()
    rerun(student)
    assert not student.session_state[seat.FOLLOWING]


def test_auto_send_and_a_late_joiner_lands_on_the_current_view(lecturer):
    lecturer.toggle(key="classroom.auto_switch").set_value(True)
    rerun(lecturer)
    lecturer.select_slider(key="adaptive.b2").set_value(0.99)
    rerun(lecturer)
    view = store.get_store().current_view(code_of(lecturer))
    assert view.page == "adaptive" and "b2=0.99" in view.query

    late = open_page(room=code_of(lecturer))
    assert late.select_slider(key="adaptive.b2").value == 0.99
    assert late.session_state[seat.FOLLOWING]


def test_the_presentation_switch_is_not_sent(lecturer):
    lecturer.toggle(key="adaptive.present").set_value(True)
    rerun(lecturer)
    assert "present" in url(lecturer)
    lecturer.session_state["classroom.present_invite"] = True  # the room's menu on the page
    rerun(lecturer)
    assert lecturer.get("image")  # the QR code, large
    send(lecturer)  # the send button is in that menu while presenting
    view = store.get_store().current_view(code_of(lecturer))
    assert "present" not in view.query


def test_a_poll_from_a_quiz_question(lecturer):
    lecturer.query_params["tab"] = "quiz"
    rerun(lecturer)
    code = code_of(lecturer)
    students = [open_page(room=code) for _ in range(3)]
    lecturer.button(key="classroom.ask.adaptive.noisy").click()
    rerun(lecturer)
    poll = store.get_store().current_poll(code)
    assert poll.question.startswith("It takes smaller steps") and poll.options == ("yes", "no")

    for student, choice in zip(students, (0, 1, 1), strict=True):
        rerun(student)
        student.radio(key=f"classroom.vote.{poll.poll_id}").set_value(choice)
        rerun(student)
    students[1].radio(key=f"classroom.vote.{poll.poll_id}").set_value(0)  # changed their mind
    rerun(students[1])
    assert "Your vote: **yes**" in texts(students[1])

    rerun(lecturer)
    (figure,) = [f for f in drawn_figures(lecturer) if f["data"][0]["type"] == "bar"]
    assert figure["data"][0]["x"] == ["yes", "no"]
    assert figure["data"][0]["y"] == [2, 1]
    (alt,) = [p["alt"] for _, p in sent_payloads(lecturer) if p.get("figure") == figure]
    assert alt == f"Answers to: {poll.question.rstrip('.')}: 3 votes: yes 2, no 1."

    lecturer.button(key="classroom.close").click()
    rerun(lecturer)
    rerun(students[2])
    assert students[2].radio(key=f"classroom.vote.{poll.poll_id}").disabled
    with pytest.raises(store.PollClosed):
        store.get_store().vote(code, "late-voter", poll.poll_id, 0)

    lecturer.button(key="classroom.reveal").click()
    rerun(lecturer)
    lecturer.button(key="classroom.experiment").click()  # the view the poll was asked on
    rerun(lecturer)
    for student in students:
        rerun(student)
        assert any("The answer: **yes**" in s.value for s in student.success)
        assert url(student) == {"tab": "quiz"}
        # the quiz box runs the experiment: the revealed answer is filled in
        assert student.radio(key="adaptive.quiz.noisy").value == "yes"
        assert any(s.value.startswith("**yes** is right") for s in student.success)
    (figure,) = [f for f in drawn_figures(lecturer) if f["data"][0]["type"] == "bar"]
    assert figure["data"][0]["marker"]["color"][0] != figure["data"][0]["marker"]["color"][1]


def test_a_number_poll(lecturer):
    student = open_page(room=code_of(lecturer))
    lecturer.session_state["classroom.number"] = True
    rerun(lecturer)
    lecturer.text_input(key="classroom.number_question").set_value("Steps to converge?")
    lecturer.text_input(key="classroom.number_answer").set_value("120")
    lecturer.button(key="FormSubmitter:classroom.number_form-📣 Ask for a number").click()
    rerun(lecturer)
    poll = store.get_store().current_poll(code_of(lecturer))
    assert poll.numeric and poll.question == "Steps to converge?"
    rerun(student)
    student.number_input(key=f"classroom.number.{poll.poll_id}").set_value(100.0)
    rerun(student)
    tally = store.get_store().counts(code_of(lecturer), lecturer.session_state[seat.SECRET])
    assert tally.numbers == (100.0,) and tally.votes == 1


def test_a_student_cannot_act_as_the_lecturer(lecturer):
    code, secret = code_of(lecturer), lecturer.session_state[seat.SECRET]
    send(lecturer)
    before = store.get_store().current_view(code)
    student = open_page(room=code, lecturer="not-the-secret")  # a forged private link
    assert student.session_state[seat.SECRET] is None
    assert any("joined as a student" in w.value for w in student.warning)
    assert not [b for b in student.button if b.key == "classroom.send"]
    assert not [b for b in student.button if b.key.startswith("classroom.ask")]
    # Values a crafted request could carry: the auto-send switch's key, a guessed secret.
    student.session_state["classroom.auto"] = True
    student.session_state[seat.SECRET] = "guessed"
    rerun(student)
    student.button(key="classroom.send").click()
    rerun(student)
    assert store.get_store().current_view(code) == before
    assert any("Only the lecturer" in w.value for w in student.warning)
    assert student.session_state[seat.SECRET] is None  # a refused secret is dropped
    with pytest.raises(store.NotLecturer):
        store.get_store().open_poll(code, "guessed", "Q?", ("a", "b"))
    # the secret never reaches a student's page or address
    honest = open_page(room=code)
    assert secret not in texts(honest)


def test_the_private_link_restores_the_lecturer_and_leaves_the_address_bar(lecturer):
    code, secret = code_of(lecturer), lecturer.session_state[seat.SECRET]
    other_device = open_page(room=code, lecturer=secret)
    assert other_device.session_state[seat.SECRET] == secret
    assert url(other_device) == {}
    other_device.session_state["classroom.private"] = True
    rerun(other_device)
    assert any(secret in c.value for c in other_device.code)  # the lecturer's own menu


def test_unknown_code_and_store_outage_leave_the_lab_working(monkeypatch):
    at = open_page(room="ZZZZZZ")
    assert any("No room has this code" in w.value for w in at.warning)
    assert seat.CODE not in at.session_state  # still outside any room

    student_room = store.get_store().create_room()[0]
    at = open_page(room=student_room)

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise store.StoreUnavailable(model.UNAVAILABLE)

            return fail

    monkeypatch.setattr(store, "get_store", lambda: Down())
    rerun(at)
    assert any("Rooms are unavailable" in w.value for w in at.warning)
    assert at.select_slider(key="adaptive.b1")  # the page itself is drawn
    at.select_slider(key="adaptive.b1").set_value(0.5)  # and works as a single-user page
    rerun(at)
    assert url(at) == {"b1": "0.5"}

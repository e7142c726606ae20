"""Classroom mode in Chromium: one lecturer and several students, each a browser context of
its own (a Streamlit session of its own) on one server. Students follow a sent view, leave
and follow again, a late joiner lands on the current view, they vote and see the reveal."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, Page

from bench import chromium
from tests.e2e.conftest import SCREENSHOTS

TALL = {"width": 1440, "height": 1800}  # the whole page in a screenshot
FOLLOW_MS = 20_000  # generous: the machine is shared; the latency is bench.classroom_watch's


def new_page(browser: Browser) -> Page:
    """A browser context of its own; ``page.errors`` collects uncaught script errors."""
    page = chromium.new_page(browser)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def query(page: Page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def wait_for_view(student: Page, lecturer: Page) -> None:
    """Until the student's address shows the lecturer's page and settings."""
    want = urlsplit(lecturer.url)
    student.wait_for_function(
        "([path, q]) => location.pathname === path && location.search === q",
        arg=[want.path, want.query and "?" + want.query],
        timeout=FOLLOW_MS,
    )


def start_room(lecturer: Page, app_url: str) -> str:
    chromium.open_app(lecturer, f"{app_url}/adaptive")
    sidebar = lecturer.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Classroom").click()
    sidebar.get_by_role("button", name="Start a room").click()
    room = sidebar.get_by_text(re.compile(r"Your room: [A-Z0-9]{6}"))
    return re.search(r"Your room: ([A-Z0-9]{6})", room.inner_text()).group(1)


def join(browser: Browser, app_url: str, code: str) -> Page:
    student = new_page(browser)
    chromium.open_app(student, f"{app_url}/?room={code}")
    return student


def test_students_follow_explore_follow_again_and_a_late_joiner_lands(browser: Browser, app_url):
    lecturer = new_page(browser)
    students: list[Page] = []
    try:
        code = start_room(lecturer, app_url)
        students = [join(browser, app_url, code) for _ in range(2)]
        for student in students:
            student.get_by_text("Following the lecturer").wait_for()
            assert "room" not in query(student)

        lecturer.get_by_role("button", name="Send this view to the class").click()
        for student in students:
            wait_for_view(student, lecturer)  # from the home page to the adaptive page

        lecturer.get_by_text("Auto-send every change").click()
        chromium.nudge(chromium.sliders(lecturer).first)
        lecturer.wait_for_url(re.compile(r"\?.+"))
        for student in students:
            wait_for_view(student, lecturer)

        explorer, follower = students
        runs = chromium.runs_finished(explorer)
        chromium.nudge(chromium.sliders(explorer).first, big=True)  # a control of their own
        explorer.get_by_text("Exploring on your own").wait_for()
        chromium.wait_for_app(explorer, runs, quiet_ms=1000)
        own = explorer.url
        chromium.nudge(chromium.sliders(lecturer).nth(1))
        wait_for_view(follower, lecturer)
        assert explorer.url == own  # an explorer is left alone

        explorer.get_by_role("button", name="Follow again").click()
        wait_for_view(explorer, lecturer)
        explorer.get_by_text("Following the lecturer").wait_for()

        late = join(browser, app_url, code)
        students.append(late)
        wait_for_view(late, lecturer)

        lecturer.get_by_text("Join link and QR code").click()
        lecturer.get_by_role("img").last.wait_for()  # the QR code
        for page, name in ((lecturer, "lecturer"), (late, "student")):
            page.set_viewport_size(TALL)
            page.screenshot(path=str(SCREENSHOTS / f"classroom-{name}.png"))
        for page in (lecturer, *students):
            assert not chromium.exception_texts(page)
            assert not page.errors
    finally:
        for page in (lecturer, *students):
            page.context.close()


def test_a_poll_counts_votes_and_reveals_the_answer(browser: Browser, app_url):
    lecturer = new_page(browser)
    students: list[Page] = []
    try:
        code = start_room(lecturer, app_url)
        lecturer.get_by_role("tab", name="❓ Quiz").click()
        students = [join(browser, app_url, code) for _ in range(3)]
        asks = lecturer.get_by_role("button", name="📣 Ask the class")
        asks.first.wait_for()
        asks.first.click()
        for student, choice in zip(students, ("yes", "no", "yes"), strict=True):
            box = student.locator(".st-key-classroom-student_poll")
            box.wait_for(timeout=FOLLOW_MS)
            box.get_by_text(choice, exact=True).click()
            box.get_by_text(f"Your vote: {choice}").wait_for()
        panel = lecturer.locator(".st-key-classroom-poll_panel")
        panel.get_by_text("3 votes").wait_for(timeout=FOLLOW_MS)  # the live counts
        panel.get_by_role("button", name="Close voting").click()
        panel.get_by_role("button", name="Reveal the answer").click()
        panel.get_by_role("button", name="▶ Run the experiment for the class").click()
        for student in students:
            student.get_by_text("The answer: yes").wait_for(timeout=FOLLOW_MS)
            wait_for_view(student, lecturer)  # the quiz, its evidence shown
        for page, name in ((lecturer, "lecturer"), (students[1], "student")):
            page.set_viewport_size(TALL)
            page.screenshot(path=str(SCREENSHOTS / f"classroom-poll-{name}.png"))
        for page in (lecturer, *students):
            assert not chromium.exception_texts(page)
            assert not page.errors
    finally:
        for page in (lecturer, *students):
            page.context.close()

"""AppTest tests of lecture scenes on a page: a scene ends (its name leaves the URL, its caption
the page) once the student changes a setting it set; presenting shows the scene's one-line cue
instead of its caption."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.presets import PLAYGROUND_PRESETS, first_sentence

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180
SCENE = {preset.key: preset for preset in PLAYGROUND_PRESETS}["ravine_momentum"]


def open_page(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def url(at: AppTest) -> dict:
    return {key: at.query_params[key] for key in at.query_params}


def infos(at: AppTest) -> list[str]:
    return [info.value for info in at.info]


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]


def slider(at: AppTest, key: str):
    return (
        [w for w in at.select_slider if w.key == key] or [w for w in at.slider if w.key == key]
    )[0]


def scene_shown(at: AppTest, preset) -> bool:
    return any(preset.title in text for text in infos(at))


def test_a_scene_stays_while_nothing_it_set_changes():
    at = open_page("playground", SCENE.params)
    clean(at)
    assert scene_shown(at, SCENE)
    assert any(SCENE.caption in text for text in infos(at))
    at.run()  # a rerun that changes nothing (a menu opened, a chart's click elsewhere)
    assert scene_shown(at, SCENE)
    assert url(at)["preset"] in (SCENE.key, [SCENE.key])


@pytest.mark.parametrize(
    "key, value",
    [
        ("playground.momentum.momentum", 0.9),  # a setting the scene names
        ("playground.steps", 400),  # another the scene names
        ("playground.tol", 0.01),  # one it leaves at its default
    ],
)
def test_changing_what_a_scene_set_ends_the_scene(key, value):
    at = open_page("playground", SCENE.params)
    assert scene_shown(at, SCENE)
    slider(at, key).set_value(value).run()
    clean(at)
    assert "preset" not in url(at)
    assert not scene_shown(at, SCENE)
    # the change itself is kept, and so is every other setting of the scene
    assert url(at)["surface"] in ("ravine", ["ravine"])
    # and the scene stays ended on the next run
    at.run()
    assert "preset" not in url(at) and not scene_shown(at, SCENE)


def test_the_scene_button_starts_it_again_after_a_change():
    at = open_page("playground", SCENE.params)
    at.select_slider(key="playground.momentum.momentum").set_value(0.9).run()
    assert "preset" not in url(at)
    at.session_state["playground.scenes"] = True  # the student opens the scenes' menu
    at.run()
    at.button(key=f"playground.preset.{SCENE.key}").click().run()
    clean(at)
    assert url(at)["preset"] in (SCENE.key, [SCENE.key])
    assert at.select_slider(key="playground.momentum.momentum").value == 0.5
    assert scene_shown(at, SCENE)


def test_presenting_shows_the_one_line_cue_not_the_caption():
    normal = open_page("playground", SCENE.params)
    presenting = open_page("playground", {**SCENE.params, "present": "1"})
    clean(presenting)
    (shown,) = [text for text in infos(presenting) if SCENE.title in text]
    assert SCENE.cue in shown
    assert SCENE.caption not in shown
    assert len(shown) < len(SCENE.caption)
    assert any(SCENE.caption in text for text in infos(normal))
    # toggling presentation mode does not end the scene
    presenting.toggle(key="playground.present").set_value(False).run()
    assert url(presenting)["preset"] in (SCENE.key, [SCENE.key])
    assert any(SCENE.caption in text for text in infos(presenting))


def test_every_scene_has_a_one_line_cue():
    for page, preset in _all_scenes():
        assert preset.cue, (page, preset.key)
        assert len(preset.cue_line()) <= 90, (page, preset.key)
        assert preset.cue_line()[-1] in ".!?", (page, preset.key)
        assert preset.cue != preset.caption or len(preset.caption) <= 90


def test_a_page_scene_shows_its_cue_while_presenting():
    from tests.unit.test_scene_claims import page_scenes

    preset = page_scenes("momentum")["zigzag"]
    at = open_page("momentum", {**preset.params, "present": "1"})
    assert not at.exception
    (shown,) = [text for text in infos(at) if preset.title in text]
    assert preset.cue in shown and preset.caption not in shown


def test_first_sentence_is_the_caption_up_to_its_first_full_stop():
    assert first_sentence("One thing. Then another.") == "One thing."
    assert first_sentence("ε = 1.8 is small. Next.") == "ε = 1.8 is small."
    assert first_sentence("No stop at all") == "No stop at all"
    assert (
        first_sentence("A slice (Li et al. 2018) here. More.") == "A slice (Li et al. 2018) here."
    )


def _all_scenes():
    from app_support.topics.adaptive import SCENES as ADAPTIVE
    from tests.unit.test_scene_claims import page_scenes

    scenes = [("playground", s) for s in PLAYGROUND_PRESETS]
    scenes += [("adaptive", s) for s in ADAPTIVE]
    for page in ("momentum", "minibatches", "networks", "permutation", "regularization", "saddles"):
        scenes += [(page, s) for s in page_scenes(page).values()]
    return scenes


@pytest.mark.parametrize(
    "page, preset", _all_scenes(), ids=lambda v: v if isinstance(v, str) else v.key
)
def test_a_scene_left_alone_stays(page, preset):
    """No page changes a setting of a scene by itself: reruns without a change keep it."""
    at = open_page(page, preset.params)
    assert not at.exception, [e.value for e in at.exception]
    assert scene_shown(at, preset)
    at.run()
    at.run()
    assert url(at)["preset"] in (preset.key, [preset.key])
    assert scene_shown(at, preset)

"""Settings read from URLs: parsing, rejection, the log/decay grids, round trips; CSV export."""

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optim
from app_support.export import trajectories_csv
from app_support.optimizers import hyper_settings
from app_support.urlstate import _SHOWN, Setting, _shown, decay_grid, log_grid
from viz.paths import OptimizerPath

ROOT = Path(__file__).resolve().parents[2]
ALL_HYPERS = [h for name in optim.OPTIMIZERS for h in optim.get_rule(name).hypers]
ALL_HYPERS += list(optim.OPTIONS) + [h for s in optim.SCHEDULES.values() for h in s.params]
ALL_HYPERS += [h for name in landscapes.SURFACES for h in landscapes.get_surface(name).param_specs]


@pytest.mark.parametrize("hyper", ALL_HYPERS, ids=lambda h: h.name)
def test_every_core_hyperparameter_default_survives_a_url_round_trip(hyper):
    setting = Setting.from_hyper(hyper)
    assert setting.fits(setting.default)
    (text,) = setting.encode(setting.default)
    assert setting.parse([text]) == setting.default
    if setting.options() is not None:
        for value in setting.options():
            assert setting.parse(setting.encode(value)) == value


def test_learning_rates_and_delta_move_on_a_log_scale_decays_toward_one():
    adam = {s.name: s for s in hyper_settings("adam")}
    assert adam["adam.learning_rate"].scale == "log"
    assert adam["adam.eps"].scale == "log"
    assert adam["adam.b1"].scale == "decay" and adam["adam.b2"].scale == "decay"
    assert adam["adam.learning_rate"].label.startswith("ε")
    assert adam["adam.b2"].label.startswith("ρ₂")


def test_a_page_may_give_a_hyperparameter_another_default():
    core = {s.name: s for s in hyper_settings("adam")}
    page = {s.name: s for s in hyper_settings("adam", {"adam.learning_rate": 0.01})}
    assert core["adam.learning_rate"].default == 0.001
    assert page["adam.learning_rate"].default == 0.01
    assert 0.01 in page["adam.learning_rate"].options()  # the slider offers its default
    assert page["adam.eps"] == core["adam.eps"]  # the others keep the core's
    assert hyper_settings("gd", {"adam.learning_rate": 0.01}) == hyper_settings("gd")


def test_log_grid_is_ten_or_so_readable_values_per_decade():
    grid = log_grid(1e-4, 10.0)
    assert grid[0] == 1e-4 and grid[-1] == 10.0
    per_decade = [v for v in grid if 0.01 <= v < 0.1]
    assert 8 <= len(per_decade) <= 12
    mantissas = [v / 10 ** math.floor(math.log10(v)) for v in grid]
    assert all(abs(round(m, 1) - m) < 1e-9 for m in mantissas)  # two significant digits
    ratios = np.diff(np.log10(grid))
    assert ratios.max() <= 0.13  # no jump larger than ×1.35


def test_decay_grid_crowds_toward_one():
    grid = decay_grid(0.0, 0.99999)
    for value in (0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999):
        assert value in grid
    assert grid[-1] < 1.0


@pytest.mark.parametrize(
    "text, reason",
    [
        ("abc", "not a number"),
        ("nan", "finite"),
        ("inf", "finite"),
        ("1e400", "finite"),
        ("-1", "outside"),
        ("100", "outside"),
        ("9" * 100, "not a number"),
    ],
)
def test_bad_numbers_are_rejected_with_a_reason(text, reason):
    setting = Setting.number("lr", "ε", 0.01, 1e-5, 10.0, scale="log")
    with pytest.raises(ValueError, match=reason):
        setting.parse([text])


def test_off_grid_values_snap_to_the_nearest_readable_value():
    setting = Setting.number("lr", "ε", 0.01, 1e-5, 10.0, scale="log")
    assert setting.parse(["0.0123"]) == 0.012
    decay = Setting.number("b2", "ρ₂", 0.999, 0.0, 0.99999, scale="decay")
    assert decay.parse(["0.9991"]) == 0.999


def test_choices_lists_flags_and_text():
    opt = Setting.multichoice("opt", "Optimizers", ("gd",), ("gd", "adam", "momentum"), max_items=2)
    assert opt.parse(["adam,gd,adam"]) == ("adam", "gd")
    with pytest.raises(ValueError, match="unknown"):
        opt.parse(["gd,evil"])
    with pytest.raises(ValueError, match="at most 2"):
        opt.parse(["gd,adam,momentum"])
    flag = Setting.flag("present", "Presentation")
    assert flag.parse(["1"]) is True and flag.parse(["off"]) is False
    with pytest.raises(ValueError):
        flag.parse(["maybe"])
    text = Setting.text("f", "E", "x", max_length=10)
    with pytest.raises(ValueError, match="longer"):
        text.parse(["x" * 11])
    with pytest.raises(ValueError, match="control"):
        text.parse(["x\x00"])
    steps = Setting.integer("steps", "Steps", 200, 10, 3000)
    assert steps.parse(["300"]) == 300
    with pytest.raises(ValueError, match="whole"):
        steps.parse(["300.5"])
    with pytest.raises(ValueError, match="more than once"):
        steps.parse(["300", "400"])


def test_fits_rejects_state_left_over_from_another_box():
    x0 = Setting.number("x0", "x₀", 0.0, -2.0, 2.0, widget="number")
    assert x0.fits(1.5) and not x0.fits(3.0) and not x0.fits(True)


def test_csv_export_has_a_row_per_step_and_exact_values():
    params = np.array([[0.1, 0.2], [1 / 3, -2e-9], [5.0, 6.0]])
    runs = [
        OptimizerPath("gd", "GD", params, np.array([1.0, 0.5, math.pi]), params * 0, diverged_at=3),
        OptimizerPath("adam", "Adam", params[:2], np.array([1.0, 0.25]), params[:2] * 0),
    ]
    rows = list(csv.DictReader(io.StringIO(trajectories_csv(runs))))
    assert len(rows) == 5
    assert rows[1]["optimizer"] == "gd" and float(rows[1]["x"]) == 1 / 3
    assert float(rows[1]["y"]) == -2e-9 and float(rows[2]["loss"]) == math.pi
    assert rows[0]["diverged_at"] == "3" and rows[3]["diverged_at"] == ""


# --- rejected URL values are echoed as inert text ---------------------------------------------

PAYLOADS = [
    "1`\n\n[Log in again](http://127.0.0.1:9/login)",
    "![x](http://127.0.0.1:9/x.png)",
    '<img src="http://127.0.0.1:9/x.png"> <a href="http://127.0.0.1:9">here</a>',
    "x\r\n\r\n# Heading\n\n**bold** _it_ $x^2$ www.example.com a@b.co <http://127.0.0.1:9>",
    "\u2028[x](http://127.0.0.1:9/)\u2029",
]


def _unescaped_punctuation(text: str) -> list[str]:
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i].isascii() and not text[i].isalnum() and not text[i].isspace():
            found.append(text[i])
        i += 1
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_rejected_value_is_shown_on_one_line_with_every_markup_mark_escaped(payload):
    shown = _shown(payload)
    assert shown.startswith("“") and shown.endswith("”")
    assert "\n" not in shown and "\r" not in shown and "\u2028" not in shown
    assert _unescaped_punctuation(shown) == []
    assert not re.search("[:.@](?!\u200b)", shown)  # so no GFM autolink: http://, www., a@b
    assert len(shown.replace("\\", "").replace("\u200b", "")) <= _SHOWN + 3  # quotes, "…"


def test_a_deep_link_notice_echoes_payloads_escaped():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = PAYLOADS[0]
    at.query_params[PAYLOADS[1]] = "1"
    at.run()
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert any("“1\\`" in n and "is not on/off" in n for n in notices), notices
    assert any("\\!\\[x\\]\\(http\\:\u200b" in n for n in notices), notices
    for notice in notices:
        assert "](http" not in notice and "\n" not in notice

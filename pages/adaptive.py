"""Adaptive learning rates: what Adam's bias correction does, why AdaGrad slows down too early,
and the lecture's quiz on what we want from RMSProp and Adam.

Tabs (only the open one computes): Adam on a gradient series with and without the bias
correction (moments and measured steps); AdaGrad against RMSProp on a long valley with the
effective learning rate per weight over time; the quiz, answered by Adam's own steps on the
lecture's exercise. Every number comes from the core (`optim.adaptive`, `optim.noise`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim
from app_support import notation
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.topics import adaptive as topic
from app_support.urlstate import Setting, format_number
from optim import adaptive
from viz import adaptive as figs
from viz.contour import contour_figure
from viz.paths import OptimizerPath

PAGE = "adaptive"
BIAS_STEPS = 100  # one series length: the scan compiles once
VALLEY_STEPS = 300
EXERCISE_STEPS = 200
SHOWN_STEPS = (1, 2, 3, 5, 10, 50, 100)
COMPARED = ("adagrad", "rmsprop")
TITLES = {name: optim.get_rule(name).title for name in COMPARED}
ADAM = {h.name: h for h in optim.get_rule("adam").hypers}
RMSPROP = {h.name: h for h in optim.get_rule("rmsprop").hypers}

page = page_setup(PAGE, "Adaptive learning rates", icon="📐")
state = page.state
page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])
open_tab, tabs = page.tabs(
    {"bias": "🧮 Adam's bias correction", "adagrad": "⏳ AdaGrad vs RMSProp", "quiz": "❓ Quiz"}
)

# --- Adam's bias correction -----------------------------------------------------------------

bias_settings = (
    Setting.choice(
        "series", "Gradient series", "constant", tuple(topic.SERIES), labels=topic.SERIES_LABELS
    ),
    Setting.from_hyper(ADAM["b1"]),
    Setting.from_hyper(ADAM["b2"]),
    Setting.flag("uncorrected", "Show Adam without the bias correction"),
)
if open_tab == "bias":
    with tabs["bias"]:
        page.explain(
            "Adam's running averages s ← ρ₁s + (1 − ρ₁)g and r ← ρ₂r + (1 − ρ₂)g² start at 0. "
            "After t steps their weights add up to 1 − ρᵗ, not 1, so early on they are too "
            "small — r much more than s, because ρ₂ is closer to 1. Adam divides by 1 − ρᵗ: "
            "ŝ = s/(1 − ρ₁ᵗ), r̂ = r/(1 − ρ₂ᵗ). For a **constant** gradient this is exact "
            "(ŝ = g, r̂ = g² from the first step); when the gradient changes, ŝ is still a "
            "weighted average of the gradients so far, but not their mean."
        )
        top = st.columns([3, 2, 2])
        series = state.widget(bias_settings[0], top[0])
        b1 = state.widget(bias_settings[1], top[1])
        b2 = state.widget(bias_settings[2], top[2])
        show_raw = state.widget(bias_settings[3])
        run = topic.bias_run(series, BIAS_STEPS, b1, b2)
        rows = []
        for t in SHOWN_STEPS:
            row = {"step t": t, "g": f"{run.grads[t - 1, 0]:.3g}"}
            row["step with correction (ε)"] = f"{abs(run.corrected[t - 1, 0]):.4g}"
            if show_raw:
                row["step without (ε)"] = f"{abs(run.uncorrected[t - 1, 0]):.4g}"
                row["(1 − ρ₁ᵗ)/√(1 − ρ₂ᵗ)"] = f"{adaptive.uncorrected_factor(t, b1, b2):.4g}"
            rows.append(row)
        plotly_chart(
            figs.bias_figure(
                run.grads[:, 0],
                run.s[:, 0],
                run.s_hat[:, 0],
                np.abs(run.corrected[:, 0]),
                np.abs(run.uncorrected[:, 0]) if show_raw else None,
                look=page.look,
            ),
            key=f"{PAGE}.bias",
            look=page.look,
            alt=topic.bias_alt(rows),
        )
        st.dataframe(rows, hide_index=True, key=f"{PAGE}.bias_table")
        first = adaptive.uncorrected_factor(1, b1, b2)
        page.explain(
            f"Measured step sizes, in units of ε. With a constant gradient the corrected step "
            f"is ε from the first step on. Without the correction the first step is "
            f"(1 − ρ₁)/√(1 − ρ₂) = {first:.3g} times that — "
            f"{'larger' if first > 1 else 'smaller'} — and the factor (1 − ρ₁ᵗ)/√(1 − ρ₂ᵗ) "
            "comes close to 1 only after a few times 1/(1 − ρ₂) steps."
        )
else:
    for setting in bias_settings:
        state.control(setting, None, False)

# --- AdaGrad against RMSProp on a long valley ------------------------------------------------

lr_setting = Setting.number(
    "lr", "ε — learning rate (both)", 0.1, 1e-3, 1.0, scale="log", help="the same for both"
)
decay_setting = Setting.from_hyper(RMSPROP["decay"], prefix="rmsprop.")
if open_tab == "adagrad":
    with tabs["adagrad"]:
        page.explain(
            "AdaGrad adds up every squared gradient, r ← r + g², and steps ε/(δ + √r) per "
            "weight: that rate can only fall. While the gradient keeps its size it falls like "
            "1/√t, and on a long flat valley floor it is tiny before the minimum is reached "
            '(the lectures\' "what is the problem?"). RMSProp keeps a running average '
            "r ← ρr + (1 − ρ)g² instead and steps ε/√(δ + r): its rate follows the recent "
            "gradients, and rises where they become small."
        )
        top = st.columns(2)
        lr = state.widget(lr_setting, top[0])
        decay = state.widget(decay_setting, top[1])
        runs = {name: topic.valley_run(name, lr, VALLEY_STEPS, decay) for name in COMPARED}
        xs, ys, Z = topic.valley_grid(120)
        # AdaGrad drawn last: its path is the first stretch of RMSProp's and ends on it
        paths = [
            OptimizerPath.from_trajectory(runs[n].trajectory, TITLES[n]) for n in COMPARED[::-1]
        ]
        table = []
        for name, r in runs.items():
            traj = r.trajectory
            reached = optim.steps_to_tolerance(traj, 1e-3, point=(0.0, 0.0))
            table.append(
                {
                    "optimizer": TITLES[name],
                    "rate along x, step 1": f"{r.rates[0, 0]:.3g}",
                    f"rate along x, step {VALLEY_STEPS}": f"{r.rates[-1, 0]:.3g}",
                    "x at the end": format_number(round(float(traj.params[-1, 0]), 6) + 0.0),
                    "steps to ‖w − w*‖ ≤ 0.001": "—" if reached is None else str(reached),
                }
            )
        plotly_chart(
            contour_figure(
                xs,
                ys,
                Z,
                paths,
                look=page.look,
                log_color=True,
                minima=[(0.0, 0.0)],
                start=topic.VALLEY_START,
            ),
            key=f"{PAGE}.valley",
            look=page.look,
            alt=topic.valley_alt(
                "Contour map of a long valley with AdaGrad's and RMSProp's paths", table
            ),
        )
        plotly_chart(
            figs.rates_figure({n: r.rates for n, r in runs.items()}, TITLES, look=page.look),
            key=f"{PAGE}.rates",
            look=page.look,
            alt=topic.valley_alt("Effective learning rates against the step", table),
        )
        st.dataframe(table, hide_index=True, key=f"{PAGE}.valley_table")
        page.explain(
            f"E = ½(x²/κ + y²) with κ = {topic.VALLEY_KAPPA:g}: the floor along x is κ times "
            "flatter than the walls. Effective rate: ε/(δ + √r) for AdaGrad, ε/√(δ + r) for "
            "RMSProp, with r the optimizer's own state after each step (solid: along x, "
            "dashed: along y). Where the gradient vanishes RMSProp's rate stops at ε/√δ."
        )
else:
    state.control(lr_setting, None, False)
    state.control(decay_setting, None, False)

# --- the quiz --------------------------------------------------------------------------------


def exercise_table() -> None:
    """Adam's average step per weight on the lecture's three gradient series."""
    replay, moments = topic.lecture_exercise(EXERCISE_STEPS)
    half = EXERCISE_STEPS // 2
    steps = replay.steps[half:].mean(axis=0)
    rows = [
        {
            "weight": name,
            "gradients": series,
            "⟨g⟩": f"{moments.mean[j]:.3g}",
            "⟨g²⟩": f"{moments.mean_square[j]:.3g}",
            "⟨g⟩/√⟨g²⟩": f"{moments.ratio[j]:.3g}",
            "Adam's step (ε), second half": f"{steps[j]:.3g}",
            "step per unit gradient": f"{steps[j] / moments.mean[j]:.3g}",
        }
        for j, (name, series) in enumerate(
            zip(("w₁", "w₂", "w₃"), ("1.1, 0.9, …", "0.1, 0.1, …", "1.1, −0.9, …"), strict=True)
        )
    ]
    st.dataframe(rows, hide_index=True)


def evidence(text: str):
    def draw() -> None:
        exercise_table()
        st.markdown(text)

    return draw


if open_tab == "quiz":
    with tabs["quiz"]:
        page.explain(
            "The lecture asks what we want from RMSProp and Adam. Answer each question first; "
            "the evidence is Adam run on the lecture's exercise: three weights whose gradients "
            "are 1.1, 0.9, 1.1, … (w₁), 0.1, 0.1, … (w₂) and 1.1, −0.9, 1.1, … (w₃)."
        )
        quiz_box(
            PAGE,
            "per_weight",
            "A good optimizer has a different effective learning rate for each weight.",
            "yes",
            evidence(
                "Per unit of gradient, Adam moves w₂ ten times faster than w₁: each weight "
                "gets its own rate, ε/√r̂."
            ),
        )
        quiz_box(
            PAGE,
            "noisy",
            "It takes smaller steps where the gradient is noisy.",
            "yes",
            evidence(
                "w₂ and w₃ have the same mean gradient, 0.1, but w₃'s swings between 1.1 and "
                "−0.9: its root mean square is ten times larger, and Adam moves it ten times "
                "slower."
            ),
        )
        quiz_box(
            PAGE,
            "same_step",
            "In batch mode (no noise) it takes about the same step for small and large gradients.",
            "yes",
            evidence(
                "w₁'s gradient is ten times w₂'s, yet Adam's steps are the same, about ε: "
                "dividing by the root of the second moment removes the gradient's scale."
            ),
        )

page.share_link()
state.finish()

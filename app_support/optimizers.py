"""Widgets generated from the core's single definitions of optimizers, schedules and options.

Each optimizer's hyperparameters come from `optim.get_rule(name).hypers` (name, lecture
symbol, default, range, log scale): the sliders are labelled with the lecture's symbols (ε, α,
ρ, ρ₁, ρ₂, δ), learning rates and δ move on a log scale, α and the ρ's on a scale that crowds
toward 1. A new optimizer in the core appears here with no change. URL names are
``<optimizer>.<keyword>`` (``adam.learning_rate=0.01``); schedule and option names are the
core's keywords (``schedule=cosine``, ``final_lr=0.0001``, ``clip=norm``, ``l2=0.1``).

    chosen = state.widget(optimizer_choice())
    for name in chosen:
        hypers = optimizer_panel(state, name, st.sidebar)      # {"learning_rate": ..., ...}
    run_settings = training_options(state, st.sidebar)       # schedule, clipping, L1/L2
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import streamlit as st

import optim
from app_support.urlstate import PageState, Setting
from viz.theme import optimizer_color

OPTIONS = {h.name: h for h in optim.OPTIONS}


def optimizer_choice(
    default: Sequence[str] = ("gd", "momentum", "adam"), *, name: str = "opt", max_items: int = 8
) -> Setting:
    """The multiselect of optimizers (lecture ones first), shown by their titles."""
    return Setting.multichoice(
        name,
        "Optimizers",
        default,
        optim.OPTIMIZERS,
        labels={n: optim.get_rule(n).title for n in optim.OPTIMIZERS},
        max_items=max_items,
        help="Run several at once: each has its own hyperparameters and colour.",
    )


def hyper_settings(optimizer: str, defaults: Mapping[str, float] | None = None):
    """The optimizer's hyperparameter settings; `defaults` ({"adam.learning_rate": 0.01}, by
    URL name) replaces the core's default where a page's lesson needs another."""
    settings = (
        Setting.from_hyper(h, prefix=f"{optimizer}.") for h in optim.get_rule(optimizer).hypers
    )
    return tuple(
        dataclasses.replace(s, default=float(defaults[s.name]))
        if defaults and s.name in defaults
        else s
        for s in settings
    )


def swatch(optimizer: str) -> str:
    """The optimizer's title behind a dot of its colour (HTML, for st.markdown)."""
    title = optim.get_rule(optimizer).title
    color = optimizer_color(optimizer)
    return f'<span style="color:{color};font-size:1.3em;line-height:1">●</span> <b>{title}</b>'


def optimizer_panel(
    state: PageState, optimizer: str, where=None, defaults: Mapping[str, float] | None = None
) -> dict[str, float]:
    """A bordered box with the optimizer's colour, title and one slider per hyperparameter
    (defaults as in `hyper_settings`); returns {keyword: value} for `optim.run`."""
    box = (where if where is not None else st).container(
        border=True, key=f"{state.page}.box.{optimizer}"
    )
    box.markdown(swatch(optimizer), unsafe_allow_html=True)
    values = {}
    for setting in hyper_settings(optimizer, defaults):
        keyword = setting.name.split(".", 1)[1]
        values[keyword] = state.widget(setting, box)
    return values


def schedule_choice() -> Setting:
    return Setting.choice(
        "schedule",
        "Learning-rate schedule",
        "constant",
        tuple(optim.SCHEDULES),
        labels={k: s.title for k, s in optim.SCHEDULES.items()},
    )


def training_options(
    state: PageState,
    where=None,
    *,
    steps: int | None = None,
    shown: bool = True,
    penalty_note: str | None = None,
) -> dict:
    """Schedule (with its parameters), gradient clipping and L1/L2 penalties, as keyword
    arguments for `optim.run`. `steps` bounds the schedule's step parameters (τ, T). Without
    `shown` (a closed menu) no widget is drawn and the settings keep their values.
    `penalty_note` is a caption shown next to λ (e.g. that it acts on weights, not biases)."""
    where = where if where is not None else st

    def control(setting: Setting):
        return state.control(setting, where, shown)

    settings: dict = {}
    schedule = control(schedule_choice())
    settings["schedule"] = schedule
    chosen = optim.get_schedule(schedule)
    if shown and chosen.latex and schedule != "constant":
        where.latex(chosen.latex)
    for hyper in chosen.params:
        setting = Setting.from_hyper(hyper)
        if steps is not None and setting.kind == "int":
            setting = Setting.integer(
                setting.name,
                setting.label,
                min(hyper.default, steps),
                1,
                max(steps, 1),
                widget="number",
                help=setting.help,
            )
        settings[hyper.name] = control(setting)

    clip = control(
        Setting.choice(
            "clip",
            "Gradient clipping",
            "none",
            optim.CLIPS,
            labels={
                "none": "none",
                "norm": "by norm: g ← g·u/‖g‖ if ‖g‖ > u",
                "value": "by value: each gᵢ into [−u, u]",
            },
        ),
    )
    settings["clip"] = clip
    if clip != "none":
        settings["clip_threshold"] = control(Setting.from_hyper(OPTIONS["clip_threshold"]))

    if shown and penalty_note:
        where.caption(penalty_note)
    settings["l2"] = control(Setting.from_hyper(OPTIONS["l2"]))
    settings["l1"] = control(Setting.from_hyper(OPTIONS["l1"]))
    if settings["l1"] > 0:
        settings["l1_mode"] = control(
            Setting.choice(
                "l1_mode",
                "L1 step",
                "subgradient",
                optim.L1_MODES,
                labels={
                    "subgradient": "subgradient: −ελ₁ sgn(w)",
                    "proximal": "proximal: shrink, stop at 0",
                },
            ),
        )
    return settings

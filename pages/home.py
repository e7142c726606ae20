"""Home: what the lab is for, a card per page, and a table of contents of every page's lecture
scenes in lecture order."""

from pathlib import Path

import streamlit as st

from app_support.navigation import PAGES
from app_support.page import page_setup
from app_support.scene_index import lecture_scenes

page = page_setup("home", "Loss Landscape Lab", icon="⛰️", charts=False)

st.markdown(
    "Training a network means walking downhill on its **loss landscape** E(w). "
    "This lab lets you watch that walk on surfaces you can see — ravines, long valleys, "
    "saddles, plateaus, cliffs — and compare the optimizers of the lecture side by side: "
    "gradient descent, momentum, Nesterov, AdaGrad, RMSProp and Adam."
)
page.explain(
    "Every page keeps its settings in its address: copy the link to share exactly what you "
    "see. **Presentation mode** (sidebar switch) enlarges everything for a projector."
)

st.header("Pages", anchor=False)
columns = st.columns(min(len(PAGES), 3))
for i, info in enumerate(PAGES):
    with columns[i % len(columns)].container(border=True, key=f"home.card.{i}"):
        st.page_link(info.path, label=f"**{info.title}**", icon=info.icon)
        st.caption(info.card)

st.header("Lecture scenes, in lecture order", anchor=False)
page.explain(
    "Every page's scenes, page by page in the order of the lectures. One click opens the "
    "page with everything set; the line under each says what to watch for."
)
for number, (info, scenes) in enumerate(lecture_scenes(), start=1):
    stem = Path(info.path).stem
    with st.container(key=f"home.toc.{stem}"):
        st.markdown(f"**{number}. {info.icon} {info.title}**")
        # Down the first column, then the second: a table of contents reads in columns.
        half = (len(scenes) + 1) // 2
        columns = st.columns(2)
        for i, preset in enumerate(scenes):
            with columns[i // half]:
                st.page_link(preset.page, label=preset.title, icon="🎓", query_params=preset.params)
                st.caption(preset.cue_line())

page.state.finish()

"""Home: what the lab is for, a card per page, and links to the lecture scenes."""

import streamlit as st

from app_support.navigation import PAGES
from app_support.page import page_setup
from app_support.presets import PLAYGROUND_PRESETS

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

st.header("Lecture scenes", anchor=False)
page.explain(
    "One click opens the playground with everything set; the line under each says "
    "what to watch for."
)
columns = st.columns(2)
for i, preset in enumerate(PLAYGROUND_PRESETS):
    with columns[i % 2].container(border=True, key=f"home.preset.{preset.key}"):
        st.page_link(
            preset.page, label=f"**{preset.title}**", icon="🎓", query_params=preset.params
        )
        st.caption(preset.caption)

page.state.finish()

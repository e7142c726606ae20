"""Loss Landscape Lab — entry point: page configuration and navigation.

Run with `streamlit run app.py`. The pages are listed once, in `app_support.navigation.PAGES`
(adding a page is one line there); the home page shows a card for each.
"""

import streamlit as st

from app_support import warm_up
from app_support.compile_cache import use_persistent_compile_cache
from app_support.navigation import PAGES

use_persistent_compile_cache()

st.set_page_config(page_title="Loss Landscape Lab", page_icon="⛰️", layout="wide")

home = st.Page("pages/home.py", title="Home", icon="⛰️", default=True)
st.navigation([home, *(st.Page(p.path, title=p.title, icon=p.icon) for p in PAGES)]).run()
# After the first run: import what the other pages need while the first visitor reads this
# one, then keep the start-up objects out of the garbage collector's walks.
warm_up.start()

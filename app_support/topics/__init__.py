"""Each page's cached core calls and lecture scenes, outside its script (one module per page).

A page script runs again on every rerun; functions decorated here with `st.cache_data` are made
once per process, take plain values (ints, floats, strings, tuples) and return NumPy arrays or
NamedTuples. A page's `SCENES` live next to them, so that tests and the home page can read them
without running the page.
"""

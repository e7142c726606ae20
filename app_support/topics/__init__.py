"""Pages' cached core calls and lecture scenes, kept outside the page scripts: one module per
page, with module-level functions decorated once by `st.cache_data` (plain values in, NumPy
arrays and NamedTuples out) and the page's `SCENES`."""

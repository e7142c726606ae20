"""A page's cached core calls and its lecture scenes, one module per page: plain values in,
NumPy arrays or NamedTuples out, each wrapped once in `st.cache_data` at import."""

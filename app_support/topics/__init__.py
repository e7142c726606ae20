"""Each page's cached core calls and lecture scenes, outside the page script: one module per
page (`app_support.topics.<page>`), its functions decorated once with `st.cache_data`, taking
plain values and returning NumPy arrays or NamedTuples."""

"""Streamlit-aware helpers shared by every page of the lab.

A page is a thin script: widgets → core → `viz` figure builders → `charts.plotly_chart`. These
modules hold what every page needs around that, so that a new page is short:

* `app_support.page` — `page_setup(name, title)`: title, presentation mode (hidden sidebar and
  explanations, larger fonts and figures), the figure `Look` (follows light/dark theme),
  `page.explain(text)`, `page.share_link()`.
* `app_support.urlstate` — `Setting` (a page's setting declared once: name, kind, default,
  range/choices) and `PageState` (widgets whose values live in the URL; bad URL values fall
  back to defaults with a visible notice; `state.finish()` at the end of the page).
* `app_support.optimizers` — widgets generated from the core's optimizer, schedule and option
  definitions (sliders labelled ε, α, ρ, ρ₁, ρ₂, δ; log scale for ε and δ).
* `app_support.core` — cached calls to the core keyed on plain values (surfaces, grids,
  critical points, trajectories). Pages never define jitted functions.
* `app_support.presets` — lecture presets as plain query-parameter dicts.
* `app_support.export` — CSV of trajectories, standalone HTML of a figure.
* `app_support.charts` — `plotly_chart(fig, key=..., look=page.look)`: a chart that the browser
  updates in place with `Plotly.react` when its figure changes (`st.plotly_chart` redraws it
  from scratch), and reports clicks anywhere on the plot (`on_click`, `clicked_point(key)`).

A minimal page:

    import streamlit as st
    from app_support.page import page_setup
    from app_support.urlstate import Setting

    page = page_setup("mypage", "My page", icon="🧭")
    kappa = page.state.widget(Setting.number("kappa", "κ", 10, 1, 1000, scale="log"), st.sidebar)
    page.explain("What to look at.")
    ...                                  # core calls via app_support.core, figures via viz
    page.share_link()
    page.state.finish()
"""

// Keyboard access to what Streamlit renders without it, for every page that draws a chart
// (this file is part of the chart component's module, `app_support/charts.py`).
//
// A displayed formula (KaTeX's .katex-display) scrolls sideways when it is wider than its
// column, and a scrolling region needs a tab stop so that a keyboard user can scroll it
// (WCAG 2.1.1; axe-core's rule scrollable-region-focusable). Marking every displayed formula
// reads no layout, so it costs next to nothing when the page changes (an animation's frames).
(() => {
  if (window.__lllKeyboardScroll) return;
  window.__lllKeyboardScroll = true;
  let queued = false;
  const mark = () => {
    queued = false;
    // (a screen reader reads the formula from KaTeX's own MathML inside)
    for (const formula of document.querySelectorAll('.katex-display:not([tabindex])')) {
      formula.setAttribute('tabindex', '0');
    }
  };
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(mark);
    }
  }).observe(document.body, {childList: true, subtree: true});
  mark();
})();

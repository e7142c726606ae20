// The browser side of app_support/charts.py: one Plotly chart that stays mounted across
// reruns. Streamlit calls this function with every new figure; the chart's <div> is kept and
// Plotly.react updates it in place (Streamlit's own st.plotly_chart would draw a new chart).

// Plotly.js bundles (app_support/charts.py: `plotly_bundles`), each loaded once per page when
// first needed. Every bundle sets window.Plotly when it runs, so they are loaded one after the
// other and each keeps its own instance; a chart is drawn by the instance of its bundle.
const CARTESIAN = new Set(['bar', 'box', 'contour', 'heatmap', 'histogram', 'histogram2d',
  'histogram2dcontour', 'image', 'pie', 'scatter', 'scatterternary', 'violin']);
const GL3D = new Set(['cone', 'isosurface', 'mesh3d', 'scatter', 'scatter3d', 'streamtube',
  'surface', 'volume']);
const plotlyLoads = (window.__lllPlotlyLoads ??= {chain: Promise.resolve(), bundles: {}});

function bundleFor(figure) {
  const types = figure.data.map((trace) => trace.type ?? 'scatter');
  if (types.every((type) => CARTESIAN.has(type))) return 'cartesian';
  if (types.every((type) => GL3D.has(type))) return 'gl3d';
  return 'full';
}

function loadPlotly(bundle, urls) {
  const src = urls[bundle] ?? urls.full;
  return (plotlyLoads.bundles[src] ??= (plotlyLoads.chain = plotlyLoads.chain.then(
    () => new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        delete plotlyLoads.bundles[src]; // let a later figure try again
        reject(new Error(`could not load ${src}`));
      };
      document.head.appendChild(script);
    }))));
}

// Plotly drops heatmaps while it animates without redrawing (plotly.js #4491), and the maps'
// invisible hover grid is one: draw the chart again once an animation or a scrub has ended.
function redrawAfterAnimations(gd) {
  let pending = 0;
  gd.on('plotly_animated', () => {
    clearTimeout(pending);
    pending = setTimeout(() => gd.__lllPlotly.redraw(gd), 300);
  });
}

// A click anywhere inside the plot area, in the axes' data coordinates (Plotly itself only
// reports clicks on a drawn point).
function plotAreaPoint(gd, event) {
  const xa = gd._fullLayout?.xaxis, ya = gd._fullLayout?.yaxis;
  if (!xa?._length || !ya?._length) return null;
  const box = gd.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset;
  const py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  return {x: xa.p2c(px), y: ya.p2c(py)};
}

// --- fitting a figure to its column and the window ----------------------------------------
// Figures are built for a laptop's page column (an animated map 910 px wide and 640 high,
// larger in presentation mode). Each is drawn no wider than its column and no taller than the
// window: while presenting, a chart near the top ends on screen with its animation bar under
// it. A map with true angles (`viz.theme.map_axes`: y scaled to x) shrinks both ways, keeping
// its shape without empty bands beside or under it, and a legend right of a plot moves above
// it when the column is too narrow to hold both (a phone).

const NARROW_PLOT = 0.55; // a plot narrower than this share of its chart: the legend goes on top
const BAR_ROOM = 64; // px for the animation bar under an animated chart (it wraps on phones)

const margins = (layout) => ({l: 80, r: 80, t: 100, b: 80, ...(layout.margin ?? {})});

// y scaled to x in a map (`map_axes`): its width over height in data units, else null.
function mapRatio(layout) {
  const xa = layout.xaxis ?? {}, ya = layout.yaxis ?? {};
  if (ya.scaleanchor !== 'x' || !xa.range || !ya.range || xa.type === 'log') return null;
  const ratio = Math.abs((xa.range[1] - xa.range[0]) / (ya.range[1] - ya.range[0]));
  return Number.isFinite(ratio) && ratio > 0 ? ratio : null;
}

// The tallest a chart may be: in presentation mode, ending on screen with its animation bar
// (at least 30 % of the window for a chart far down the page); else one window, bar included.
function heightBudget(gd, fit, animated) {
  const bar = animated ? BAR_ROOM : 0;
  const view = window.innerHeight;
  if (!fit.presenting) return view - bar - 16;
  const scroller = gd.closest('[data-testid=stMain]');
  const top = gd.getBoundingClientRect().top + (scroller?.scrollTop ?? 0) + window.scrollY;
  return Math.max(view - top - bar - 12, 0.3 * view);
}

// The layout `sent` fitted to the chart's column and to the window.
function fitLayout(gd, sent, fit, animated) {
  const layout = {...sent, margin: margins(sent)};
  const column = gd.clientWidth || gd.parentElement?.clientWidth || 0;
  if (!column) return sent; // in a hidden tab: fitted when shown (the ResizeObserver)
  const width = Math.min(sent.width ?? column, column);
  if (sent.width !== undefined) layout.width = width;
  const legend = sent.legend ?? {};
  const onRight = sent.showlegend !== false && (legend.orientation ?? 'v') === 'v'
    && (legend.xref ?? 'paper') === 'paper' && (legend.x ?? 1.02) >= 1;
  if (onRight) {
    // The legend keeps its distance in pixels from the plot's right edge (past a colour bar).
    const m = layout.margin;
    const offset = ((legend.x ?? 1.02) - 1) * ((sent.width ?? column) - m.l - m.r);
    if (width - m.l - m.r < NARROW_PLOT * width) {
      layout.margin = {...m, r: Math.max(Math.round(offset), 10)};
      layout.legend = {...legend, orientation: 'h', x: 0, xanchor: 'left', y: 1,
        yanchor: 'bottom'};
    } else {
      layout.legend = {...legend, x: 1 + offset / Math.max(width - m.l - m.r, 1)};
    }
  }
  const budget = heightBudget(gd, fit, animated);
  layout.height = Math.round(Math.max(Math.min(sent.height ?? 450, budget), 200));
  const ratio = mapRatio(sent);
  if (ratio) {
    const m = layout.margin;
    const plotWidth = width - m.l - m.r, plotHeight = layout.height - m.t - m.b;
    if (plotHeight * ratio < plotWidth) { // the height decides: narrower, if it had a width
      if (sent.width !== undefined) layout.width = Math.round(m.l + m.r + plotHeight * ratio);
    } else { // the width decides: lower
      layout.height = Math.round(m.t + m.b + Math.max(plotWidth, 60) / ratio);
    }
  }
  return layout;
}

// After drawing: Plotly has grown the margins for a legend or tick labels, so a map may
// still have an empty band under or beside it; one relayout takes it away.
async function trimMap(gd, fit, animated) {
  const ratio = mapRatio(gd.__lllSentLayout ?? {});
  const size = gd._fullLayout?._size;
  if (!ratio || !size) return;
  const sent = gd.__lllSentLayout;
  const full = gd._fullLayout;
  const cap = Math.min(sent.height ?? 450, heightBudget(gd, fit, animated));
  const fixed = sent.width !== undefined;
  const column = gd.clientWidth || full.width;
  const room = Math.min(fixed ? Math.min(sent.width, column) : full.width, column);
  let plotHeight = Math.min((room - size.l - size.r) / ratio, cap - size.t - size.b);
  plotHeight = Math.max(plotHeight, 60);
  const update = {};
  const height = Math.round(size.t + size.b + plotHeight);
  if (Math.abs(height - full.height) > 2) update.height = height;
  if (fixed) {
    const width = Math.round(size.l + size.r + plotHeight * ratio);
    if (Math.abs(width - full.width) > 2) update.width = width;
  }
  if (Object.keys(update).length) await gd.__lllPlotly.relayout(gd, update);
}

// Fit a drawn chart again (its column or the window changed size), after the figure being
// drawn, if any: a relayout in the middle of Plotly.react could leave the chart half drawn.
function refit(gd) {
  gd.__lllQueue = (gd.__lllQueue ?? Promise.resolve()).then(() => refitNow(gd)).catch(() => {});
  return gd.__lllQueue;
}

async function refitNow(gd) {
  if (!gd.__lllSentLayout || !gd._fullLayout || !gd.__lllPlotly) return;
  const animated = Boolean(gd.__lllAnimated);
  const layout = fitLayout(gd, gd.__lllSentLayout, gd.__lllFit, animated);
  const full = gd._fullLayout;
  const same = Math.abs(layout.height - full.height) < 2
    && (layout.width === undefined ? gd.clientWidth === full.width
      : Math.abs(layout.width - full.width) < 2)
    && (layout.legend?.orientation ?? 'v') === (full.legend?.orientation ?? 'v');
  if (same) return; // fitted already (the page changed height below the chart, say)
  const update = {height: layout.height, margin: layout.margin};
  if (layout.legend) update.legend = layout.legend;
  if (layout.width !== undefined) update.width = layout.width;
  await gd.__lllPlotly.relayout(gd, update);
  if (layout.width === undefined) await gd.__lllPlotly.Plots.resize(gd);
  await trimMap(gd, gd.__lllFit, animated);
}

// While presenting, a chart's room depends on what is above it, which may arrive after the
// chart is drawn (a rerun's elements come one by one): when the page's content changes height,
// the charts are fitted again (a chart already fitted is left alone, so this settles).
function refitWhenThePageGrows() {
  const block = document.querySelector('[data-testid=stMainBlockContainer]');
  if (!block || block.__lllWatched) return;
  block.__lllWatched = true;
  let pending = 0, height = 0;
  new ResizeObserver(([entry]) => {
    const now = Math.round(entry.contentRect.height);
    if (now === height) return;
    height = now;
    clearTimeout(pending);
    pending = setTimeout(() => {
      for (const gd of document.querySelectorAll('.lll-chart')) {
        if (gd.__lllFit?.presenting) refit(gd);
      }
    }, 150);
  }).observe(block);
}

if (!window.__lllRefitOnResize) {
  window.__lllRefitOnResize = true;
  let pending = 0;
  window.addEventListener('resize', () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      for (const gd of document.querySelectorAll('.lll-chart')) refit(gd).catch(() => {});
    }, 150);
  });
}

// --- PNG download with the page's font ----------------------------------------------------
// Plotly's camera button draws the chart's SVG as an image, where the page's web fonts do
// not exist: the PNG got a fallback font, wider than the Source Sans that Plotly measured the
// legend with, so legend entries ran into each other and off the edge (presentation mode's
// large text most of all). This button embeds the font (data URLs) in the SVG first.

const FONT_FAMILY = 'Source Sans';
let fontFaces = null;

async function dataUrl(url) {
  const blob = await (await fetch(url)).blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// The page's @font-face rules of FONT_FAMILY, their files as data URLs (fetched once).
function embeddedFontFaces() {
  return (fontFaces ??= (async () => {
    const faces = [];
    for (const sheet of document.styleSheets) {
      let rules;
      try { rules = sheet.cssRules; } catch { continue; } // another origin's sheet
      for (const rule of rules) {
        if (!(rule instanceof CSSFontFaceRule)) continue;
        if (rule.style.getPropertyValue('font-family').replace(/["']/g, '') !== FONT_FAMILY) continue;
        const src = rule.style.getPropertyValue('src');
        const url = src.match(/url\(["']?([^"')]+)["']?\)/)?.[1];
        if (!url) continue;
        const file = url.startsWith('data:') ? url
          : await dataUrl(new URL(url, sheet.href ?? document.baseURI).href);
        faces.push(`@font-face { font-family: "${FONT_FAMILY}"; `
          + `font-weight: ${rule.style.getPropertyValue('font-weight') || 'normal'}; `
          + `font-style: ${rule.style.getPropertyValue('font-style') || 'normal'}; `
          + `src: url("${file}") format("woff2"); }`);
      }
    }
    return faces.join('\n');
  })().catch((error) => {
    fontFaces = null;
    throw error;
  }));
}

// The chart as an SVG text with the page's font embedded.
async function chartSvg(gd) {
  const full = gd._fullLayout;
  const url = await gd.__lllPlotly.toImage(gd, {format: 'svg', width: full.width,
    height: full.height});
  const svg = decodeURIComponent(url.slice(url.indexOf(',') + 1));
  const faces = await embeddedFontFaces().catch(() => '');
  return svg.replace(/<svg[^>]*>/, (open) => `${open}<style>${faces}</style>`);
}

async function downloadPng(gd) {
  const options = gd._context?.toImageButtonOptions ?? {};
  const full = gd._fullLayout;
  const scale = options.scale ?? 1;
  const image = new Image();
  const source = URL.createObjectURL(new Blob([await chartSvg(gd)], {type: 'image/svg+xml'}));
  try {
    image.src = source;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(full.width * scale);
    canvas.height = Math.round(full.height * scale);
    canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
    const png = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const link = document.createElement('a');
    link.href = URL.createObjectURL(png);
    link.download = `${options.filename ?? 'chart'}.png`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } finally {
    URL.revokeObjectURL(source);
  }
}

// One button object per Plotly instance: Plotly.react redraws the whole chart when its
// config changes, and a new object each time would be a change.
function pngButton(Plotly) {
  return (Plotly.__lllPngButton ??= {
    name: 'downloadPng',
    title: 'Download plot as a PNG',
    icon: Plotly.Icons.camera,
    click: (gd) => {
      downloadPng(gd).catch((error) => console.error('Loss Landscape Lab: PNG', error));
    },
  });
}

// --- animation controls -------------------------------------------------------------------
// Play/Pause and the step slider, drawn here as a button and a range input under the plot
// instead of by Plotly (see `viz.animation.controls_outside`, which describes them: steps
// with the arguments of Plotly.animate, the active step, a label prefix, play and pause).
//
// Pause keeps the place: Play resumes from the step shown (from the start once at the end).
// Paths are drawn as the animation goes: a trace marked `viz.animation.GROWS` has one point
// per step, and the frame of step k draws its points 0..k only, so nobody sees where a run
// ends before it gets there.

const GROWS = 'path drawn up to the step';

// The traces drawn up to the step, with their whole arrays (read once per figure: later the
// figure's own arrays hold only the part drawn).
function growingTraces(gd) {
  return (gd._fullData ?? []).filter((trace) => trace.meta === GROWS && trace.x?.length)
    .map((trace) => ({index: trace.index, x: trace.x, y: trace.y}));
}

// Plotly.animate rejects (with nothing) when a newer animation takes over: nothing to do.
const interrupted = () => {};

const head = (array, count) => (array.subarray ? array.subarray(0, count) : array.slice(0, count));

function animationBar(parentElement, gd) {
  const bar = document.createElement('div');
  bar.className = 'lll-animation';
  bar.innerHTML = '<button type="button" class="lll-play"></button>'
    + '<input type="range" class="lll-step" min="0" step="1" aria-label="animation step">'
    + '<span class="lll-step-label" aria-live="off"></span>';
  parentElement.appendChild(bar);
  const [button, range, label] = bar.children;
  const state = {animation: null, playing: false, index: 0, growing: []};
  // The frame a student stopped at, for the URL (`reportView`): after a pause, the end of
  // Play, a key's step or a drag of the step slider once let go (not at every frame dragged
  // past: the slider scrubs in the browser alone).
  const settled = () => reportView(gd, {frame: state.index});
  const show = (index) => {
    const step = state.animation.steps[index];
    state.index = index;
    range.value = String(index);
    label.textContent = state.animation.prefix + step.label;
    gd.dataset.step = String(index); // for the browser tests
  };
  const setPlaying = (playing) => {
    state.playing = playing;
    button.textContent = playing ? '❚❚ Pause' : '▶ Play';
    button.setAttribute('aria-pressed', String(playing));
  };
  // What Plotly.animate gets for step `index`: its frames by name, or, where paths are drawn
  // up to the step, the named frame with the paths' first points added to it.
  const framesAt = (index) => {
    const names = state.animation.steps[index].frames ?? [];
    if (!state.growing.length || names.length !== 1) return names;
    const named = gd._transitionData?._frameHash?.[names[0]];
    const count = Number(names[0]) + 1; // frames are named after their step
    if (!named || !Number.isFinite(count)) return names;
    return [{
      name: named.name,
      data: [...named.data, ...state.growing.map((t) => ({x: head(t.x, count), y: head(t.y, count)}))],
      traces: [...named.traces, ...state.growing.map((t) => t.index)],
    }];
  };
  const play = () => {
    setPlaying(true);
    if (framesLeftOut(gd)) return requestFrames(gd, {play: true});
    const last = state.animation.steps.length - 1;
    const from = state.index >= last ? 0 : state.index + 1;
    const frames = [];
    for (let i = from; i <= last; i += 1) frames.push(...framesAt(i));
    gd.__lllPlotly.animate(gd, frames, state.animation.play)
      .then(() => { setPlaying(false); settled(); }, () => setPlaying(false));
  };
  const scrub = (index) => {
    show(index);
    if (state.playing) setPlaying(false);
    if (framesLeftOut(gd)) return requestFrames(gd, {step: index});
    gd.__lllPlotly.animate(gd, framesAt(index), state.animation.steps[index].options)
      .catch(interrupted);
  };
  const halt = () => {
    gd.__lllPending = null; // frames asked for and not yet here: do not play them
    gd.__lllPlotly.animate(gd, [null], state.animation.pause).catch(interrupted);
    setPlaying(false);
  };
  const pause = () => {
    halt();
    settled();
  };
  // For the keyboard (lecture_keys.js) and the button: Play/Pause, and a step back or on.
  const toggle = () => {
    if (state.animation) (state.playing ? pause : play)();
  };
  const stepBy = (delta) => {
    if (!state.animation) return;
    const last = state.animation.steps.length - 1;
    if (state.playing) pause();
    scrub(Math.min(Math.max(state.index + delta, 0), last));
    settled();
  };
  button.addEventListener('click', toggle);
  range.addEventListener('input', () => {
    if (state.animation) scrub(Number(range.value));
  });
  range.addEventListener('change', () => settled()); // the thumb let go (a drag reports once)
  // While Play runs, the range input follows the frame being shown.
  const index = new Map();
  gd.on('plotly_animatingframe', (event) => {
    // A frame given as an object (paths drawn up to the step) carries its name inside.
    const at = state.animation && index.get(String(event?.name ?? event?.frame?.name));
    if (at !== undefined) show(at);
  });
  gd.on('plotly_animationinterrupted', () => setPlaying(false));
  const showAnimation = (animation, moved = false) => {
    state.animation = animation;
    bar.hidden = !animation;
    gd.classList.toggle('lll-animated', Boolean(animation));
    if (!animation) return;
    index.clear();
    animation.steps.forEach((step, i) => {
      for (const name of step.frames ?? []) index.set(String(name), i);
    });
    range.max = String(animation.steps.length - 1);
    setPlaying(false);
    state.growing = growingTraces(gd);
    show(animation.active);
    // The figure arrives with whole paths (cut them back to the step shown), or at another
    // step than the one a link asks for.
    if ((state.growing.length || moved) && !framesLeftOut(gd)) {
      gd.__lllPlotly.animate(gd, framesAt(animation.active), animation.pause).catch(interrupted);
    }
  };
  // What Play or the step slider asked for before the frames were here (`requestFrames`).
  const resume = (action) => {
    if (!state.animation) return;
    if (action.play) play();
    else if (action.step < state.animation.steps.length) {
      scrub(action.step);
      settled(); // again: the figure that brought the frames reset the view to the page's
    }
  };
  // A new figure stops the animation first: a frame still queued would restyle the new
  // figure's traces after it is drawn (the map's image back to contours, say).
  // Not a pause of the student's: the step shown belongs to the old figure, so it is not
  // reported for the URL.
  const stop = () => {
    if (state.playing && state.animation) halt();
  };
  return {showAnimation, resume, stop, toggle, stepBy, bar};
}

// --- the view in the URL (app_support/chart_view.py) ---------------------------------------
// A chart whose view is kept reports its zoom and frame as its `view` state: one rerun, which
// writes them into the URL. Reports wait for a quiet moment (a drag of the step slider, a
// run of arrow keys) and are sent only when something changed.

function reportView(gd, change) {
  if (!gd.__lllReportView) return;
  gd.__lllView = {zoom: null, frame: 0, ...gd.__lllView, ...change};
  clearTimeout(gd.__lllViewTimer);
  gd.__lllViewTimer = setTimeout(() => {
    const text = JSON.stringify(gd.__lllView);
    if (text === gd.__lllViewSent) return;
    gd.__lllViewSent = text;
    gd.__lllReportView(gd.__lllView);
  }, 600);
}

// A zoom or a pan: the axes' ranges; a double click back to the full extent: no zoom.
function reportZooms(gd) {
  gd.on('plotly_relayout', (change) => {
    const keys = Object.keys(change ?? {});
    if (!keys.some((key) => key.startsWith('xaxis') || key.startsWith('yaxis'))) return;
    const xa = gd._fullLayout?.xaxis, ya = gd._fullLayout?.yaxis;
    if (!xa || !ya) return;
    const reset = keys.some((key) => key.endsWith('autorange') && change[key] === true);
    const zoom = reset ? null : [...xa.range, ...ya.range].map(Number);
    reportView(gd, {zoom: zoom && zoom.every(Number.isFinite) ? zoom : null});
  });
}

// Frames on request (app_support/charts.py: `plotly_chart(frames_on_request=True)`): a chart
// sent with its animation's controls but not its frames (a map that asks to be an image is
// then drawn as one) asks for them with one rerun, and plays or shows the step asked for once
// they are drawn (`drawFigure`).
const framesLeftOut = (gd) => gd.__lllFramesOnRequest && !gd._transitionData?._frames?.length;

function requestFrames(gd, action) {
  gd.__lllPending = action;
  gd.__lllFramesAsked = (gd.__lllFramesAsked ?? 0) + 1; // for the browser tests
  gd.__lllTrigger('frames', {...action, at: Date.now()}); // a new value each time
}

const existingChart = (parentElement) => parentElement.querySelector(':scope > .lll-chart');

function chartDiv(parentElement) {
  let gd = existingChart(parentElement);
  if (gd) return gd;
  gd = document.createElement('div');
  gd.className = 'lll-chart';
  parentElement.appendChild(gd);
  gd.addEventListener('click', (event) => {
    const point = gd.dataset.clickable && plotAreaPoint(gd, event);
    if (point) gd.__lllTrigger('click', point);
  });
  // Follow the column's width (the sidebar opening or closing resizes no window; a chart in
  // a tab that was hidden gets its width when the tab is shown).
  let width = 0;
  new ResizeObserver(([entry]) => {
    const now = Math.round(entry.contentRect.width);
    if (now > 0 && now !== width && gd._fullLayout && gd.__lllPlotly) {
      width = now;
      refit(gd).catch(() => {}); // hidden again meanwhile: next time
    }
  }).observe(gd);
  // Whether the chart is in (or near) the viewport: a new figure for a chart out of sight
  // waits until it is scrolled into view (see `draw` below).
  new IntersectionObserver((entries) => {
    // Entries queue up when the chart moves in and out of view before the callback runs (the
    // page reflowing as a rerun's elements arrive): the last one is where the chart is now.
    const entry = entries[entries.length - 1];
    gd.__lllInSight = entry.isIntersecting;
    const waiting = gd.__lllWaiting;
    if (entry.isIntersecting && waiting) {
      gd.__lllWaiting = null;
      waiting();
    }
  }, {rootMargin: '100px'}).observe(gd);
  return gd;
}

export default function ({ parentElement, data: payload, setTriggerValue, setStateValue }) {
  let text = new TextDecoder().decode(payload); // bytes of one JSON text
  // A chart whose view is kept in the URL (app_support/chart_view.py) gets it on a first line.
  let view = null;
  const cut = text.indexOf('\n');
  if (cut >= 0) {
    view = JSON.parse(text.slice(0, cut));
    text = text.slice(cut + 1);
  }
  // Every rerun hands each chart its figure again: one that has not changed since the last
  // (a slider that moves another chart, a view the chart itself reported) is not parsed or
  // drawn again.
  const known = existingChart(parentElement);
  if (known && known.__lllText === text) {
    known.__lllTrigger = setTriggerValue; // this run's, for the click listener
    return;
  }
  const data = JSON.parse(text);
  data.view = view;
  if (data.preload) { // app_support.charts.preload_plotly: load a bundle, draw nothing
    parentElement.classList.add('lll-preload');
    loadPlotly(data.preload, data.bundles).catch(() => {});
    return;
  }
  const gd = chartDiv(parentElement);
  gd.__lllText = text;
  gd.__lllTrigger = setTriggerValue; // this run's, for the click listener
  gd.__lllReportView = view ? (seen) => setStateValue('view', seen) : null;
  if (view) { // what the page holds now: reported again only once it changes
    gd.__lllView = {zoom: view.zoom ?? null, frame: view.frame ?? 0};
    gd.__lllViewSent = JSON.stringify(gd.__lllView);
  }
  gd.__lllFramesOnRequest = Boolean(data.framesOnRequest);
  // The chart's text alternative (`plotly_chart(alt=...)`) as the accessible name of a
  // figure (not role=img: Plotly's legend and mode bar inside stay operable).
  gd.setAttribute('role', 'figure');
  gd.setAttribute('aria-label', data.alt || 'chart');
  if (data.clickable) gd.dataset.clickable = 'true';
  else delete gd.dataset.clickable;
  const draw = () => drawFigure(parentElement, gd, data);
  // A chart drawn before and now out of sight (below the fold, say) is redrawn when it comes
  // into view, with the newest figure: a slider move then pays only for the charts a student
  // sees (the minibatch page's second map, the network page's lower charts).
  gd.__lllWaiting = null;
  if (gd.__lllDrawn && gd.__lllInSight === false) gd.__lllWaiting = draw;
  else draw();
}

// The toolbar's camera downloads a PNG (Plotly's own button); this one an SVG, for slides
// that scale it without blur. One object per Plotly instance and file name, like `pngButton`.
function svgButton(Plotly, config) {
  const filename = config?.toImageButtonOptions?.filename ?? 'chart';
  Plotly.__lllSvgButtons ??= new Map();
  if (!Plotly.__lllSvgButtons.has(filename)) {
    Plotly.__lllSvgButtons.set(filename, {
      name: 'svg', title: 'Download plot as SVG', icon: Plotly.Icons.camera,
      click: (gd) => Plotly.downloadImage(gd, {format: 'svg', filename}),
    });
  }
  return Plotly.__lllSvgButtons.get(filename);
}

function drawFigure(parentElement, gd, data) {
  let figure = data.figure;
  let animation = data.animation ?? null;
  const view = data.view;
  if (view?.zoom) { // the axes' ranges the link gives
    const [x0, x1, y0, y1] = view.zoom;
    const layout = figure.layout;
    figure = {...figure, layout: {...layout,
      xaxis: {...layout.xaxis, range: [x0, x1], autorange: false},
      yaxis: {...layout.yaxis, range: [y0, y1], autorange: false}}};
  }
  if (animation && Number.isInteger(view?.frame)) {
    animation = {...animation, active: Math.min(view.frame, animation.steps.length - 1)};
  }
  // Frames asked for by Play or the step slider (`requestFrames`) are played once drawn. Any
  // figure that comes next answers the request, with frames or without.
  const pending = gd.__lllPending;
  gd.__lllPending = null;
  // contour_raster.js: Plotly decodes no typed z in a frame
  if (figure.frames?.length) figure = plainMaps(figure);
  try {
    rasterizeContours(figure, gd.clientWidth || undefined); // contour_raster.js
  } catch (error) { // Plotly draws the contours itself then
    console.error('Loss Landscape Lab: contours not drawn as images', error);
  }
  const bundle = bundleFor(figure);
  // One figure after the other: a newer figure waits until the previous one is drawn.
  gd.__lllQueue = (gd.__lllQueue ?? Promise.resolve())
    .then(() => loadPlotly(bundle, data.bundles))
    .then(async (Plotly) => {
      gd.__lllAnimationBar?.stop(); // by the instance that animates (see `stop`)
      if (gd.__lllPlotly && gd.__lllPlotly !== Plotly) { // the figure needs another bundle now
        gd.__lllPlotly.purge(gd);
        gd.__lllListening = false;
        parentElement.querySelector(':scope > .lll-animation')?.remove();
      }
      gd.__lllPlotly = Plotly;
      // The embed view's chart takes the frame's height, less its bar, and is never refitted
      // (`refitNow` skips a chart without a sent layout).
      gd.__lllSentLayout = data.fillFrame ? null : figure.layout;
      gd.__lllFit = data.fit ?? {};
      if (gd.__lllFit.presenting) refitWhenThePageGrows();
      gd.__lllAnimated = Boolean(animation);
      let layout;
      if (data.fillFrame) {
        gd.style.height = animation ? 'calc(100vh - 3.5rem)' : '100vh';
        layout = {...figure.layout, height: undefined, width: undefined, autosize: true};
      } else {
        layout = fitLayout(gd, figure.layout, gd.__lllFit, Boolean(animation));
      }
      const config = {...data.config, modeBarButtonsToRemove: ['toImage'],
        modeBarButtonsToAdd: [pngButton(Plotly), svgButton(Plotly, data.config)]};
      if (layout.legend && layout.legend !== figure.layout.legend
          && layout.legend.orientation === 'h') {
        config.displayModeBar = false; // it would cover the legend moved above the plot
      }
      await Plotly.react(gd, {data: figure.data, layout, frames: figure.frames ?? [], config});
      // Plotly.react draws a chart whose config changed anew, and then leaves its frames out
      // (Plotly.js 3.x): add them back.
      if (figure.frames?.length && !gd._transitionData?._frames?.length) {
        await Plotly.addFrames(gd, figure.frames);
      }
      if (!data.fillFrame) await trimMap(gd, gd.__lllFit, Boolean(animation));
      if (!gd.__lllListening) {
        gd.__lllListening = true;
        redrawAfterAnimations(gd);
        gd.__lllAnimationBar = animationBar(parentElement, gd);
        reportZooms(gd);
      }
      // A frame the link asks for (the builders draw their figure at its active step).
      const moved = Boolean(animation) && Number.isInteger(view?.frame) && view.frame > 0;
      gd.__lllAnimationBar.showAnimation(animation, moved);
      if (pending && figure.frames?.length) gd.__lllAnimationBar.resume(pending);
      gd.__lllDrawn = (gd.__lllDrawn ?? 0) + 1; // for the browser tests and benchmarks
      gd.__lllSvg = () => chartSvg(gd); // what the PNG download draws, for the browser tests
    })
    .catch((error) => {
      gd.__lllText = null; // the same figure, sent again, tries again
      console.error('Loss Landscape Lab: a figure was not drawn', error);
    });
}

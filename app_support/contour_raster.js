// Filled contour traces drawn as images, before the figure goes to Plotly (app_support/charts.js).
//
// Why: Plotly builds a filled contour as SVG paths, every level of every map on every redraw;
// eight small maps cost 150-250 ms of a slider move in headless Chromium, where an image of
// each costs a few ms. A builder asks for this by giving a contour trace `meta: {lll:
// "raster"}` (`viz.theme.RASTER`); the figure stays a valid Plotly figure, so an export still
// draws real contours. The image is banded like Plotly's fill (each band takes the colour of
// its middle), with anti-aliased lines where the value crosses a level, from the bilinear
// interpolation of the grid (the same level sets as linear marching squares). The trace is
// replaced by the image, an invisible heatmap that keeps its hover text (when it has one) and
// an invisible marker that keeps its colour bar (when it shows one).

// Images are drawn at the size they are shown, or smaller when a figure's images together
// would have more than FIGURE_PIXELS pixels (eight small maps: each at about 137² instead of
// 220², about 10 ms of drawing in all), and the browser scales them up.
const FIGURE_PIXELS = 150000, RASTER_MIN = 32;
const rasterCache = new Map(); // image URL by the trace's data and style: reruns reuse them

function decodedArray(value) {
  if (value && typeof value === 'object' && 'bdata' in value) {
    let bytes;
    if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(value.bdata);
    else {
      const text = atob(value.bdata);
      bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    }
    const Type = {f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array,
                  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u4: Uint32Array}[value.dtype];
    return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return Float64Array.from(value.flat(Infinity), (v) => (v == null ? NaN : Number(v))); // null: a gap
}

// `figure` with every 2-D z in typed-array form ({dtype, bdata, shape}), in its traces and
// its frames, turned into lists of rows: Plotly decodes such a z in a trace but not in an
// animation frame, and a frame's list merged into a trace's typed z leaves the map blank.
function plainMaps(figure) {
  const plain = (trace) => {
    const z = trace?.z;
    if (!z || typeof z !== 'object' || !('bdata' in z) || !z.shape) return trace;
    const [rows, columns] = String(z.shape).split(',').map(Number);
    const values = decodedArray(z);
    const lists = Array.from({length: rows},
      (_, i) => Array.from(values.subarray(i * columns, (i + 1) * columns)));
    return {...trace, z: lists};
  };
  return {
    ...figure,
    data: figure.data.map(plain),
    frames: (figure.frames ?? []).map((frame) => ({...frame, data: (frame.data ?? []).map(plain)})),
  };
}

let colourContext = null;
function rgba(colour) {
  colourContext ??= document.createElement('canvas').getContext('2d');
  colourContext.fillStyle = '#000';
  colourContext.fillStyle = colour;
  const text = colourContext.fillStyle; // "#rrggbb" or "rgba(r, g, b, a)"
  if (text.startsWith('#')) {
    return [1, 3, 5].map((i) => parseInt(text.slice(i, i + 2), 16)).concat(1);
  }
  return text.slice(text.indexOf('(') + 1, -1).split(',').map(Number);
}

function colourAt(scale, t) {
  let k = 1;
  while (k < scale.length - 1 && scale[k][0] < t) k++;
  const [s0, c0] = scale[k - 1], [s1, c1] = scale[k];
  const f = s1 > s0 ? Math.min(Math.max((t - s0) / (s1 - s0), 0), 1) : 0;
  return c0.map((v, i) => v + f * (c1[i] - v));
}

// Plotly's automatic levels (ncontours, no start/end/size): about `count` levels at a round
// step, 1, 2 or 5 times a power of ten.
function autoLevels(low, high, count) {
  const rough = (high - low) / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  const size = [2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough;
  return {start: Math.ceil(low / size) * size, end: Math.floor(high / size) * size, size};
}

function rasterImage(trace, xs, ys, zs, [W, H], scale) {
  const nx = xs.length, ny = ys.length;
  let low = Infinity, high = -Infinity;
  for (const v of zs) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
  if (!(high > low)) high = low + 1;
  const zmin = trace.zmin ?? low, zmax = trace.zmax ?? high;
  const given = trace.contours ?? {};
  const levels = given.size > 0 && Number.isFinite(given.start) && Number.isFinite(given.end)
    ? {start: given.start, end: given.end, size: given.size}
    : autoLevels(zmin, zmax, trace.ncontours ?? 15);
  const bands = Math.max(Math.round((levels.end - levels.start) / levels.size), 1);
  const stops = (trace.colorscale ?? [[0, '#000'], [1, '#fff']]).map(([s, c]) => [s, rgba(c)]);
  const bandColours = Array.from({length: bands + 2}, (_, b) => {
    const middle = levels.start + (b - 0.5) * levels.size; // band 0 lies below the first level
    return colourAt(stops, (middle - zmin) / (zmax - zmin || 1));
  });
  const showLines = given.showlines !== false;
  const line = rgba(trace.line?.color ?? 'rgba(0,0,0,0.3)');
  // in image pixels; a hairline is drawn as dark as a browser draws an SVG one (about 0.8 px)
  const width = Math.max(trace.line?.width ?? 0.5, 0.8) * scale;
  const pxPerCellX = W / Math.max(nx - 1, 1), pxPerCellY = H / Math.max(ny - 1, 1);
  const palette = new Float64Array(4 * (bands + 2));
  bandColours.forEach((c, b) => palette.set([c[0], c[1], c[2]], 4 * b));
  // Where each image column and row falls in the grid: cell index and fraction across it.
  const columnCell = new Int32Array(W), columnT = new Float64Array(W);
  for (let px = 0; px < W; px++) {
    const gj = (nx - 1) * ((px + 0.5) / W);
    columnCell[px] = Math.min(Math.floor(gj), nx - 2);
    columnT[px] = gj - columnCell[px];
  }
  const canvas = document.createElement('canvas');
  canvas.width = W; canvas.height = H;
  const context = canvas.getContext('2d');
  const image = context.createImageData(W, H);
  const out = image.data;
  // A line's coverage falls off linearly with the distance d (in pixels) to its level: for a
  // line under a pixel wide, (1 − d)·width (as much ink as a line of that width, spread over
  // two pixels instead of aliased to one); for a wider one, its width plus a pixel of ramp.
  const thin = width < 1, reach = thin ? 1 : width / 2 + 0.5;
  const {start, size} = levels, lineAlpha = showLines ? line[3] : 0;
  for (let py = 0; py < H; py++) {
    const gi = (ny - 1) * (1 - (py + 0.5) / H); // the top row of the image is the largest y
    const i0 = Math.min(Math.floor(gi), ny - 2), ti = gi - i0;
    const row0 = i0 * nx, row1 = row0 + nx;
    let o = 4 * py * W;
    for (let px = 0; px < W; px++, o += 4) {
      const j0 = columnCell[px], tj = columnT[px];
      const z00 = zs[row0 + j0], z01 = zs[row0 + j0 + 1];
      const z10 = zs[row1 + j0], z11 = zs[row1 + j0 + 1];
      const bottom = z00 + tj * (z01 - z00), top = z10 + tj * (z11 - z10);
      const z = bottom + ti * (top - bottom);
      if (!(z === z)) { out[o + 3] = 0; continue; } // NaN (a corner outside the loss's domain)
      const u = (z - start) / size;
      let band = Math.floor(u) + 1;
      band = band < 0 ? 0 : band > bands + 1 ? bands + 1 : band;
      const c = 4 * band;
      let cover = 0;
      if (lineAlpha > 0 && u > -0.5 && u < bands + 0.5) {
        // Distance to the nearest level in pixels: value distance over the local slope.
        const gx = ((z01 - z00) + ti * ((z11 - z10) - (z01 - z00))) / pxPerCellX;
        const gy = (top - bottom) / pxPerCellY;
        const slope = Math.sqrt(gx * gx + gy * gy) / size;
        let nearest = Math.round(u);
        nearest = nearest < 0 ? 0 : nearest > bands ? bands : nearest;
        const distance = Math.abs(u - nearest) / (slope || 1e-12);
        if (distance < reach) {
          cover = (thin ? (1 - distance) * width : Math.min(reach - distance, 1)) * lineAlpha;
        }
      }
      out[o] = palette[c] + cover * (line[0] - palette[c]);
      out[o + 1] = palette[c + 1] + cover * (line[1] - palette[c + 1]);
      out[o + 2] = palette[c + 2] + cover * (line[2] - palette[c + 2]);
      out[o + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
  return {url: canvas.toDataURL('image/png'), zmin, zmax};
}

function rasterKey(trace, size) {
  const {x, y, z, zmin, zmax, contours, ncontours, colorscale, line} = trace;
  return JSON.stringify([x, y, z, zmin, zmax, contours, ncontours, colorscale, line, size]);
}

// About how many pixels the trace's axes span on screen, from the figure's size (or the
// chart's width) and margins and the axes' domains.
function shownSize(figure, trace, chartWidth) {
  const layout = figure.layout, margin = layout.margin ?? {};
  const axis = (name) => layout[name.replace(/^([xy])/, '$1axis')] ?? {};
  const [x0, x1] = axis(trace.xaxis ?? 'x').domain ?? [0, 1];
  const [y0, y1] = axis(trace.yaxis ?? 'y').domain ?? [0, 1];
  const width = ((layout.width ?? chartWidth ?? 700) - (margin.l ?? 80) - (margin.r ?? 80)) * (x1 - x0);
  const height = ((layout.height ?? 450) - (margin.t ?? 100) - (margin.b ?? 80)) * (y1 - y0);
  return [Math.max(width, RASTER_MIN), Math.max(height, RASTER_MIN)];
}

// Replace every contour trace of `figure` that asks for it by its image (see the top). Trace
// indices stay as they were (the trace's place holds its hover heatmap, or an empty trace;
// colour-bar markers come after all the traces), and a figure with frames is left alone:
// frames restyle traces by index, and a frame's contour would be drawn by Plotly anyway
// (a chart can leave its frames out until they are asked for: charts.js, frames on request).
const asksForImage = (trace) => trace.type === 'contour' && trace.meta?.lll === 'raster'
  && trace.x != null && trace.y != null && trace.z != null;

function rasterizeContours(figure, chartWidth) {
  if (figure.frames?.length) return figure;
  const shown = figure.data.map((trace) => asksForImage(trace) && shownSize(figure, trace, chartWidth));
  const area = shown.reduce((sum, size) => sum + (size ? size[0] * size[1] : 0), 0);
  const scale = Math.min(1, Math.sqrt(FIGURE_PIXELS / Math.max(area, 1)));
  const data = [], extra = [];
  figure.data.forEach((trace, index) => {
    if (!shown[index]) {
      data.push(trace);
      return;
    }
    const xs = decodedArray(trace.x), ys = decodedArray(trace.y), zs = decodedArray(trace.z);
    if (xs.length < 2 || ys.length < 2 || zs.length !== xs.length * ys.length) {
      data.push(trace); // not a grid this can draw: Plotly draws it
      return;
    }
    const size = shown[index].map((side) => Math.max(Math.round(side * scale), RASTER_MIN));
    const key = rasterKey(trace, size);
    let drawn = rasterCache.get(key);
    if (!drawn) {
      drawn = rasterImage(trace, xs, ys, zs, size, size[0] / shown[index][0]);
      if (rasterCache.size >= 48) rasterCache.delete(rasterCache.keys().next().value);
      rasterCache.set(key, drawn);
    }
    const [x0, x1, y0, y1] = [xs[0], xs[xs.length - 1], ys[0], ys[ys.length - 1]];
    const axes = {xaxis: trace.xaxis ?? 'x', yaxis: trace.yaxis ?? 'y'};
    (figure.layout.images ??= []).push({
      source: drawn.url, xref: axes.xaxis, yref: axes.yaxis, x: x0, y: y1,
      sizex: x1 - x0, sizey: y1 - y0, sizing: 'stretch', layer: 'below',
      xanchor: 'left', yanchor: 'top',
    });
    const hovers = trace.hoverinfo !== 'skip' && trace.hovertemplate;
    data.push(hovers
      ? {type: 'heatmap', ...axes, x: trace.x, y: trace.y, z: trace.z,
         customdata: trace.customdata, hovertemplate: trace.hovertemplate,
         opacity: 0, showscale: false, showlegend: false, zsmooth: false}
      : {type: 'scatter', ...axes, x: [], y: [], hoverinfo: 'skip', showlegend: false});
    if (trace.showscale !== false && trace.colorbar) {
      extra.push({type: 'scatter', ...axes, x: [x0], y: [y0], mode: 'markers',
                  hoverinfo: 'skip', showlegend: false,
                  marker: {color: [drawn.zmin], cmin: drawn.zmin, cmax: drawn.zmax, opacity: 0,
                           colorscale: trace.colorscale, showscale: true,
                           colorbar: trace.colorbar}});
    }
  });
  figure.data = data.concat(extra);
  return figure;
}

// The browser side of app_support/lecture_keys.py: keys for a lecture.
//
// In presentation mode, anywhere on the page: Space plays or pauses the animated chart in
// view, ← and → step it, PageDown and PageUp (what a presentation clicker sends) load the
// page's next and previous lecture scene. Outside presentation mode the keys act on a chart
// whose Play button or step slider has the focus (Tab reaches them): Space plays or pauses,
// ← and → step; the page scrolls with Space and PageDown as usual.
//
// One listener per window, in the capture phase: it runs before the focused element's own
// handling (a focused range input would otherwise take PageDown as "a tenth of the way back").
// Each run of the page hands the listener its scenes (`window.__lllLectureKeys`).

const STEPS = {ArrowLeft: -1, ArrowRight: 1};
const SCENE_STEPS = {PageDown: 1, PageUp: -1};

// A place where keys type or move something of their own (a text box, a Streamlit slider, a
// select box): the lecture keys leave those alone, except the clicker's PageDown/PageUp.
function ownsKeys(element) {
  if (!element || element === document.body) return false;
  if (element.closest?.('.lll-animation')) return false; // the chart's bar: ours
  if (element.isContentEditable) return true;
  const tag = element.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return true;
  const role = element.getAttribute?.('role');
  return ['slider', 'combobox', 'textbox', 'listbox', 'option', 'spinbutton', 'tab',
    'radio', 'menuitem'].includes(role);
}

function inView(element) {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.bottom > 0 && box.top < window.innerHeight;
}

// The chart the keys act on: the one whose bar has the focus, else (presenting) the first
// animated chart in view.
function chartFor(target, presenting) {
  const bar = target?.closest?.('.lll-animation');
  const own = bar && bar.parentElement.querySelector(':scope > .lll-chart');
  if (own) return own;
  if (!presenting) return null;
  const charts = [...document.querySelectorAll('.lll-chart.lll-animated')];
  return charts.find((gd) => inView(gd) && gd.__lllAnimationBar) ?? null;
}

function onKey(event) {
  const config = window.__lllLectureKeys;
  // Gone with its page (another page of the app has other scenes, or none).
  if (!config?.element.isConnected) return;
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = document.activeElement;
  const sceneStep = SCENE_STEPS[event.key];
  if (sceneStep !== undefined) {
    if (!config.presenting || !config.scenes.length) return;
    event.preventDefault();
    event.stopPropagation();
    const at = config.scenes.indexOf(config.current);
    const next = at < 0 ? (sceneStep > 0 ? 0 : config.scenes.length - 1)
      : Math.min(Math.max(at + sceneStep, 0), config.scenes.length - 1);
    if (next !== at) config.trigger('scene', {key: config.scenes[next], at: Date.now()});
    return;
  }
  const step = STEPS[event.key];
  const space = event.key === ' ';
  if (step === undefined && !space) return;
  if (ownsKeys(target)) return;
  // Space presses a focused button or link of the page (not one of the chart's bar).
  if (space && target?.closest?.('button, a, summary') && !target.closest('.lll-animation')) return;
  const gd = chartFor(target, config.presenting);
  const controls = gd?.__lllAnimationBar;
  if (!controls || controls.bar.hidden) return;
  event.preventDefault(); // no page scroll, no second step by the range input itself
  event.stopPropagation();
  if (space) controls.toggle();
  else controls.stepBy(step);
}

export default function ({ parentElement, data, setTriggerValue }) {
  parentElement.classList.add('lll-keys');
  window.__lllLectureKeys = {...data, trigger: setTriggerValue, element: parentElement};
  if (!window.__lllLectureKeysListening) {
    window.__lllLectureKeysListening = true;
    document.addEventListener('keydown', onKey, true);
  }
}

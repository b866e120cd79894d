// The room's right sidebar: the add-ons' glances (HipChat's client fetched each glance's queryUrl
// cross-origin with its signed_request, so the add-on's CORS headers decide whether it shows), and the
// web panel a glance opens, with the JavaScript API answered for it.
import { FrameHost } from './bridge.js';
import { openTarget } from './dialog.js';

const LOZENGES = { default: 'lozenge', success: 'lozenge lozenge-success', error: 'lozenge lozenge-error', current: 'lozenge lozenge-current', new: 'lozenge lozenge-new', complete: 'lozenge lozenge-complete', moved: 'lozenge lozenge-moved' };
const LABEL_TAGS = new Set(['A', 'B', 'I', 'STRONG', 'SPAN']);
const MAX_NODES = 500;

let roomId = null;
let host = null;

const list = () => document.getElementById('glance-list');
const view = () => document.getElementById('glance-view');

export function initGlances(room) {
  roomId = room;
  const glances = list();
  if (!glances) return;
  for (const button of glances.querySelectorAll('.glance')) {
    if (button.dataset.queryUrl) query(button, button.dataset.version);
    button.addEventListener('click', () => openTarget(roomId, { oauthId: button.dataset.oauthId, glance: button.dataset.key }));
  }
  document.getElementById('glance-back').addEventListener('click', closeView);
}

/** Content the add-on pushed (`POST addon/ui/room/{id}`), already curated by the server, newest version wins. */
export function applyGlanceUpdates(updates) {
  const glances = list();
  if (!glances || !Array.isArray(updates)) return;
  for (const update of updates) {
    const button = [...glances.querySelectorAll('.glance')].find((node) => node.dataset.oauthId === update.oauthId && node.dataset.key === update.key);
    if (!button || Number(button.dataset.version) >= update.version) continue;
    button.dataset.version = String(update.version);
    button.querySelector('.glance-content').innerHTML = update.html;
  }
}

async function query(button, versionAtLoad) {
  let data = null;
  try {
    const res = await fetch(button.dataset.queryUrl, { mode: 'cors', credentials: 'omit', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (res.ok) data = await res.json();
  } catch {
    data = null;
  }
  if (button.dataset.version !== versionAtLoad) return; // a push arrived meanwhile and is newer
  const content = data ? render(data) : null;
  // "name … is shown if the glance value cannot be loaded from your add-on" (DAC glances)
  button.querySelector('.glance-content').replaceChildren(...(content ?? [label(button.dataset.name)]));
  button.dataset.state = content ? 'loaded' : 'failed';
}

function label(text) {
  return Object.assign(document.createElement('span'), { className: 'glance-label', textContent: text });
}

/** Glance data from the add-on (untrusted): curated label HTML, then a lozenge or an icon. */
function render(data) {
  if (!data || typeof data !== 'object' || !data.label || data.label.type !== 'html' || typeof data.label.value !== 'string') return null;
  const span = document.createElement('span');
  span.className = 'glance-label';
  const parsed = new DOMParser().parseFromString(`<body>${data.label.value}`, 'text/html').body;
  let budget = MAX_NODES;
  const copy = (from, to) => {
    for (const node of from.childNodes) {
      if (--budget < 0) return;
      if (node.nodeType === Node.TEXT_NODE) {
        to.append(node.textContent);
      } else if (node.nodeType === Node.ELEMENT_NODE && LABEL_TAGS.has(node.tagName)) {
        const clean = document.createElement(node.tagName.toLowerCase());
        if (node.tagName === 'A' && /^https?:\/\//i.test(node.getAttribute('href') ?? '')) {
          clean.href = node.getAttribute('href');
          clean.target = '_blank';
          clean.rel = 'noopener noreferrer';
        }
        copy(node, clean);
        to.append(clean);
      } else if (node.nodeType === Node.ELEMENT_NODE && !['SCRIPT', 'STYLE', 'TEMPLATE'].includes(node.tagName)) {
        copy(node, to);
      }
    }
  };
  copy(parsed, span);
  const parts = [span];
  const status = data.status;
  if (status && status.type === 'lozenge' && status.value && typeof status.value.label === 'string') {
    parts.push(Object.assign(document.createElement('span'), { className: LOZENGES[status.value.type] ?? 'lozenge', textContent: status.value.label }));
  } else if (status && status.type === 'icon' && status.value && /^https?:\/\//i.test(String(status.value.url))) {
    parts.push(Object.assign(document.createElement('img'), { className: 'glance-status-icon', src: status.value.url, alt: '' }));
  }
  return parts;
}

/** Shows a web panel (`hipchat.sidebar.right`) in place of the glance list. */
export function openPanel(panel, parameters) {
  const panelView = view();
  if (!panelView) return;
  if (host) host.dispose();
  document.getElementById('glance-view-title').textContent = panel.name;
  const iframe = Object.assign(document.createElement('iframe'), { className: 'addon-frame glance-frame', src: panel.url, title: panel.name, name: `hipchat-panel-${panel.key}` });
  document.getElementById('glance-view-body').replaceChildren(iframe);
  host = new FrameHost(
    iframe,
    { oauthId: panel.oauthId, roomId },
    {
      'sidebar.closeView': () => closeView(),
      'sidebar.openView': (options) => openKey(panel.oauthId, options, 'webPanel'),
      'dialog.open': (options) => openKey(panel.oauthId, options, 'dialog'),
    },
    parameters,
  );
  list().hidden = true;
  panelView.hidden = false;
}

function openKey(oauthId, options, kind) {
  if (!options || typeof options.key !== 'string') throw new Error(`${kind === 'webPanel' ? 'sidebar.openView' : 'dialog.open'} needs {key}`);
  openTarget(roomId, { oauthId, [kind]: options.key }, options.parameters);
}

export function closeView() {
  if (host) host.dispose();
  host = null;
  const panelView = view();
  if (!panelView) return;
  document.getElementById('glance-view-body').replaceChildren();
  panelView.hidden = true;
  list().hidden = false;
}

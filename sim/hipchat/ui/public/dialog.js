// The room's modal: the first-use authorization screens, then add-on dialogs in an iframe with
// HipChat's bottom bar (hint on the left, secondary and primary actions on the right).
import { FrameHost, api } from './bridge.js';
import { openPanel } from './glances.js';

const overlay = document.getElementById('dialog-overlay');
const panel = document.getElementById('dialog');
const titleEl = document.getElementById('dialog-title');
const body = document.getElementById('dialog-body');
const hintEl = document.getElementById('dialog-hint');
const buttonsEl = document.getElementById('dialog-buttons');
const closeButton = document.getElementById('dialog-close');

let host = null;
let view = null;
let returnFocus = null;

closeButton.addEventListener('click', () => closeDialog());
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !overlay.hidden) closeDialog();
});

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function nameOf(value) {
  if (typeof value === 'string') return value;
  return value && typeof value.value === 'string' ? value.value : undefined;
}

function show({ title, width = '600px', height = '400px', warning = false }) {
  if (overlay.hidden) returnFocus = document.activeElement;
  titleEl.textContent = title;
  panel.classList.toggle('dialog-warning', warning);
  panel.style.width = width;
  panel.style.height = height;
  overlay.hidden = false;
}

function setButtons(hint, buttons) {
  hintEl.textContent = hint || '';
  buttonsEl.replaceChildren(...buttons);
}

function button(label, { primary = false, disabled = false, onClick }) {
  const node = el('button', { type: 'button', className: `button ${primary ? 'button-primary' : 'button-subtle'}`, textContent: label, disabled });
  node.addEventListener('click', onClick);
  return node;
}

export function closeDialog() {
  if (host) host.dispose();
  host = null;
  view = null;
  body.replaceChildren();
  setButtons('', []);
  overlay.hidden = true;
  if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus();
}

function showError(message) {
  if (host) host.dispose();
  host = null;
  show({ title: 'Integration problem', width: '480px', height: '240px', warning: true });
  body.replaceChildren(el('p', { className: 'dialog-message', textContent: message }));
  setButtons('', [button('Close', { primary: true, onClick: closeDialog })]);
}

/** Opens an input action's target, or a dialog by key (HipChat.dialog.open), asking to authorize first. */
export async function openTarget(roomId, target, parameters) {
  let answer;
  try {
    answer = await api('POST', `/chat/room/${roomId}/open`, target);
  } catch (err) {
    showError(err.message);
    return;
  }
  if (answer.kind === 'authorize') {
    authorizeScreen(answer, () => openTarget(roomId, target, parameters));
  } else if (answer.kind === 'externalPage') {
    window.open(answer.url, '_blank', 'noopener');
  } else if (answer.kind === 'webPanel') {
    if (!overlay.hidden) closeDialog();
    openPanel(answer.panel, parameters);
  } else {
    showDialog(roomId, answer.dialog, parameters);
  }
}

function addonHeader(addon) {
  const badge = el('span', { className: 'addon-badge', textContent: addon.name.slice(0, 1).toUpperCase() });
  if (addon.icon) badge.append(el('img', { src: addon.icon, alt: '' }));
  return el('div', { className: 'review-addon' }, [badge, el('div', {}, [el('h3', { textContent: addon.name }), el('p', { className: 'muted', textContent: addon.description })])]);
}

function authorizeScreen(answer, proceed) {
  const { addon } = answer;
  show({ title: `Authorize ${addon.name}`, width: '560px', height: '360px' });
  body.replaceChildren(
    el('div', { className: 'dialog-screen' }, [
      addonHeader(addon),
      el('p', { textContent: `${addon.name} has not been used by you before. Authorize it to open its dialogs in this room and act on your behalf.` }),
    ]),
  );
  setButtons('', [
    button('Cancel', { onClick: closeDialog }),
    button(`Authorize ${addon.name}`, { primary: true, onClick: () => grantScreen(answer, proceed) }),
  ]);
}

function grantScreen(answer, proceed) {
  const { addon, scopes } = answer;
  show({ title: `Grant access to ${addon.name}`, width: '560px', height: '420px' });
  const list = el('ul', { className: 'scopes' }, scopes.map((scope) => el('li', {}, [el('strong', { textContent: scope.name }), el('span', { className: 'muted', textContent: scope.description })])));
  body.replaceChildren(
    el('div', { className: 'dialog-screen' }, [
      el('p', { textContent: `${addon.name} is requesting access to your HipChat account. It will be able to:` }),
      scopes.length > 0 ? list : el('p', { className: 'muted', textContent: 'Nothing beyond showing its pages.' }),
    ]),
  );
  setButtons('', [
    button('Deny', { onClick: closeDialog }),
    button(`Grant access to ${addon.name}`, {
      primary: true,
      onClick: async () => {
        try {
          await api('POST', '/chat/api/authorize', { oauthId: answer.oauthId });
        } catch (err) {
          showError(err.message);
          return;
        }
        proceed();
      },
    }),
  ]);
}

function showDialog(roomId, dialog, parameters) {
  if (host) host.dispose();
  view = structuredClone(dialog);
  show({ title: view.title, width: view.width, height: view.height, warning: view.style === 'warning' });
  const iframe = el('iframe', { className: 'addon-frame', title: view.title, src: view.url, name: `hipchat-dialog-${view.key}` });
  body.replaceChildren(iframe);
  host = new FrameHost(
    iframe,
    { oauthId: view.oauthId, roomId },
    {
      'dialog.close': () => closeDialog(),
      'dialog.update': (options) => update(options),
      'dialog.updatePrimaryAction': (options) => update({ primaryAction: options }),
      'dialog.open': (options) => {
        if (!options || typeof options.key !== 'string') throw new Error('dialog.open needs {key}');
        openTarget(roomId, { oauthId: view.oauthId, dialog: options.key }, options.parameters).then(() => {
          if (options.options) update(options.options);
        });
      },
      'chat.appendMessage': (text) => appendToComposer(String(text ?? '')),
      'sidebar.openView': (options) => {
        if (!options || typeof options.key !== 'string') throw new Error('sidebar.openView needs {key}');
        openTarget(roomId, { oauthId: view.oauthId, webPanel: options.key }, options.parameters);
      },
    },
    parameters,
  );
  renderBar();
}

/** HipChat.dialog.update / updatePrimaryAction: title, hint and the actions' names and states. */
function update(options) {
  if (!view || !options || typeof options !== 'object') return;
  const title = nameOf(options.title);
  if (title !== undefined) {
    view.title = title;
    titleEl.textContent = title;
  }
  const hint = nameOf(options.hint);
  if (hint !== undefined) view.hint = hint;
  if (options.primaryAction && typeof options.primaryAction === 'object') {
    const change = options.primaryAction;
    const primary = view.primaryAction ?? { key: 'primary-action-selected', name: 'OK', enabled: true };
    view.primaryAction = {
      key: typeof change.key === 'string' ? change.key : primary.key,
      name: nameOf(change.name) ?? primary.name,
      enabled: typeof change.enabled === 'boolean' ? change.enabled : primary.enabled,
    };
  }
  if (Array.isArray(options.secondaryActions)) {
    view.secondaryActions = options.secondaryActions
      .filter((action) => action && typeof action === 'object' && nameOf(action.name) !== undefined)
      .map((action) => ({ key: typeof action.key === 'string' ? action.key : 'secondary-action-selected', name: nameOf(action.name), enabled: action.enabled !== false }));
  }
  renderBar();
}

/** An action with a registered 'dialog-button-click' handler is the page's to handle; otherwise it closes. */
function renderBar() {
  const actionButton = (action, primary) => {
    const node = button(action.name, {
      primary,
      disabled: !action.enabled,
      onClick: () => {
        if (!host || !host.buttonClicked(action.key)) closeDialog();
      },
    });
    node.dataset.action = action.key;
    return node;
  };
  const buttons = view.secondaryActions.map((action) => actionButton(action, false));
  if (view.primaryAction) buttons.push(actionButton(view.primaryAction, true));
  setButtons(view.hint, buttons);
}

function appendToComposer(text) {
  const input = document.getElementById('composer-input');
  if (!input) throw new Error('This room has no message box');
  input.value = input.value ? `${input.value} ${text}` : text;
}

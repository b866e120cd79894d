// The "+" button next to the message box: the input actions of the integrations in this room.
import { api } from './bridge.js';
import { openTarget } from './dialog.js';

export function initPlusMenu(roomId) {
  const toggle = document.getElementById('plus-button');
  const menu = document.getElementById('plus-menu');
  if (!toggle || !menu) return;

  const close = () => {
    menu.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
  };

  const item = (action) => {
    const badge = document.createElement('span');
    badge.className = 'addon-badge small';
    badge.textContent = action.addonName.slice(0, 1).toUpperCase();
    if (action.icon) {
      const img = document.createElement('img');
      img.src = action.icon;
      img.alt = '';
      badge.append(img);
    }
    const label = document.createElement('span');
    label.className = 'plus-item-text';
    const name = document.createElement('strong');
    name.textContent = action.name;
    const from = document.createElement('span');
    from.className = 'muted';
    from.textContent = action.addonName;
    label.append(name, from);
    const node = document.createElement('button');
    node.type = 'button';
    node.className = 'plus-item';
    node.setAttribute('role', 'menuitem');
    node.append(badge, label);
    node.addEventListener('click', () => {
      close();
      openTarget(roomId, { oauthId: action.oauthId, action: action.key });
    });
    return node;
  };

  const empty = () => {
    const note = document.createElement('p');
    note.className = 'plus-empty';
    note.append('No integration in this room adds actions here. ');
    const link = document.createElement('a');
    link.href = `/addons?room=${roomId}`;
    link.textContent = 'Install one';
    note.append(link);
    return note;
  };

  toggle.addEventListener('click', async () => {
    if (!menu.hidden) return close();
    menu.replaceChildren(Object.assign(document.createElement('p'), { className: 'plus-empty', textContent: 'Loading…' }));
    menu.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    try {
      const { actions } = await api('GET', `/chat/room/${roomId}/actions`);
      const heading = Object.assign(document.createElement('p'), { className: 'plus-heading', textContent: 'Integrations' });
      menu.replaceChildren(heading, ...(actions.length > 0 ? actions.map(item) : [empty()]));
    } catch (err) {
      menu.replaceChildren(Object.assign(document.createElement('p'), { className: 'plus-empty', textContent: err.message }));
    }
  });

  document.addEventListener('click', (event) => {
    if (!menu.hidden && !menu.contains(event.target) && event.target !== toggle) close();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) close();
  });
}

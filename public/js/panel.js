// The room's sidebar panel: the room's active invites and each recipient's state, kept current by
// polling the add-on's own JSON endpoint (answered from a short per-room cache), with "Invite again"
// and "Invite the next group". Text from the server is only ever put in with textContent.
'use strict';

(() => {
  const POLL_MS = 4000;
  const $ = (id) => document.getElementById(id);
  const { show, hide, busy } = window.pageUi;
  let shown = '';
  let skewMs = 0;
  let acting = false;
  let timer;

  const LOZENGE = {
    sent: 'lozenge',
    delivered: 'lozenge lozenge-complete',
    accepted: 'lozenge lozenge-success',
    joined: 'lozenge lozenge-success',
    declined: 'lozenge lozenge-error',
    failed: 'lozenge lozenge-error',
    no_answer: 'lozenge lozenge-moved',
  };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    children.filter(Boolean).forEach((child) => node.append(child));
    return node;
  }

  function ago(at) {
    const seconds = Math.max(0, Math.round((Date.now() + skewMs - at) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
  }

  /** Every relative time on the page, counted again from its timestamp. */
  function refreshTimes() {
    document.querySelectorAll('[data-at]').forEach((node) => {
      node.textContent = `${node.dataset.prefix || ''}${ago(Number(node.dataset.at))}`;
    });
  }

  function statusLine(data) {
    const line = $('panel-status');
    line.replaceChildren();
    if (data.invites.length === 0) {
      line.append(el('span', { class: 'muted', text: 'On-call: no invites' }));
      return;
    }
    const c = data.counts;
    const parts = [`${c.coming} coming`];
    if (c.waiting) parts.push(`${c.waiting} waiting`);
    if (c.declined) parts.push(`${c.declined} declined`);
    if (c.noAnswer) parts.push(`${c.noAnswer} no answer`);
    if (c.failed) parts.push(`${c.failed} failed`);
    line.append(el('span', { text: `On-call: ${parts.join(' · ')}` }));
    const lozenge = data.status.lozenge;
    if (lozenge) line.append(el('span', { class: `lozenge lozenge-${lozenge.type}`, text: lozenge.label }));
  }

  function recipientItem(r) {
    const step = r.type === 'GROUP' && r.escalationStep > 0 ? ` · escalation step ${r.escalationStep + 1}` : '';
    const label = r.type === 'GROUP' ? `${r.name} (group)` : r.name !== r.targetName ? `${r.name} (${r.targetName})` : r.name;
    const when = r.stateChangedAt ? el('span', { class: 'recipient-when', 'data-at': String(r.stateChangedAt), 'data-prefix': `${r.stateLabel} ` }) : null;
    const item = el(
      'li',
      { class: `recipient${r.member ? ' member' : ''}`, 'data-target': r.targetName, 'data-state': r.state },
      el('span', { class: 'recipient-name', text: label + step }),
      el('span', { class: LOZENGE[r.state] || 'lozenge', text: r.stateLabel }),
      when,
    );
    return item;
  }

  function inviteItem(invite, data) {
    const again = el('button', { type: 'button', class: 'button', 'data-action': 'again', text: 'Invite again' });
    const next = el('button', { type: 'button', class: 'button', 'data-action': 'next-group', text: data.nextGroup ? `Invite the next group (${data.nextGroup})` : 'Invite the next group' });
    let hint = null;
    if (!data.nextGroupsSet) {
      next.disabled = true;
      hint = el('p', { class: 'hint', text: 'No groups to invite next are set: an admin can list them on the configure tab. Or type /oncall invite <group> <description>.' });
    } else if (!data.nextGroup) {
      next.disabled = true;
      hint = el('p', { class: 'hint', text: 'Every group to invite next has been invited.' });
    }
    if (invite.sending) again.disabled = true;
    const by = invite.inviterName ? `${invite.inviterName} · ` : '';
    return el(
      'li',
      { class: 'invite', 'data-invite': invite.id },
      el('p', { class: 'invite-desc', text: invite.description }),
      el('p', { class: 'invite-meta' }, `${by}invite ${invite.ref} · `, el('span', { 'data-at': String(invite.createdAt) })),
      el('ul', { class: 'recipients', 'aria-label': 'Recipients' }, ...invite.recipients.map(recipientItem)),
      el('div', { class: 'actions' }, again, next),
      hint,
    );
  }

  function render(data) {
    statusLine(data);
    $('panel-empty').hidden = data.invites.length > 0;
    $('invites').replaceChildren(...data.invites.map((invite) => inviteItem(invite, data)));
    refreshTimes();
  }

  async function poll() {
    clearTimeout(timer);
    // A hidden sidebar asks nothing; it asks again when it is shown.
    if (document.hidden) return;
    const result = await window.addonApi('GET', '/panel/api/room');
    if (result.ok) {
      skewMs = result.data.now - Date.now();
      const { now, ...rest } = result.data;
      const fingerprint = JSON.stringify(rest);
      // Re-drawn only when something changed, and never under a pressed button.
      if (fingerprint !== shown && !acting) {
        shown = fingerprint;
        render(result.data);
      }
      refreshTimes();
      const updated = $('panel-updated');
      updated.hidden = false;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } else if (result.error) {
      show($('panel-banner'), 'error', result.error.message);
    }
    timer = setTimeout(poll, result.ok ? POLL_MS : Math.max(POLL_MS, (result.retryAfter || 0) * 1000) * 2);
  }

  const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`).replace(/[^A-Za-z0-9_-]/g, '');

  $('invites').addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || button.disabled) return;
    const inviteId = button.closest('[data-invite]').dataset.invite;
    const action = button.dataset.action;
    const banner = $('panel-banner');
    hide(banner);
    acting = true;
    try {
      const result = await busy(button, 'Sending…', () => window.addonApi('POST', `/panel/api/invites/${encodeURIComponent(inviteId)}/${action}`, { body: { idempotencyKey: newKey() } }), $('invites'));
      if (result.ok) show(banner, 'success', action === 'again' ? 'Invited again. Their answers will appear here.' : `Invited ${result.data.group}. Their answers will appear here.`);
      else if (result.error) show(banner, 'error', result.error.message);
    } finally {
      acting = false;
    }
    shown = '';
    poll();
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) poll();
  });
  setInterval(refreshTimes, 15_000);
  poll();
})();

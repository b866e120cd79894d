// The configure tab's activity log: the last deliveries and callbacks, refreshed on demand, failed
// only if asked, older ones page by page; a failed delivery can be sent again. Text from the server
// is only ever put in with textContent.
'use strict';

(() => {
  const section = document.getElementById('activity-section');
  if (!section) return;
  const $ = (id) => document.getElementById(id);
  const API = '/configure/api/activity';
  const { show, hide, busy } = window.pageUi;

  /** The entries shown, newest first, and whether older ones exist. */
  let entries = [];
  let more = false;

  function el(tag, attributes = {}, children = []) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'text') element.textContent = value;
      else if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value === true ? '' : value);
    }
    element.append(...children);
    return element;
  }

  const absolute = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  function relative(iso) {
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 45) return 'just now';
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.round(minutes / 60);
    if (hours < 24) return `${hours} h ago`;
    const days = Math.round(hours / 24);
    return days === 1 ? 'yesterday' : `${days} days ago`;
  }

  const OUTCOMES = {
    delivered: ['Delivered', 'success'],
    accepted: ['Accepted', 'success'],
    retrying: ['Retrying', 'moved'],
    requeued: ['Queued again', 'progress'],
    ignored: ['Ignored', 'default'],
    failed: ['Failed', 'error'],
    refused: ['Refused', 'error'],
  };

  function codeBadge(code) {
    if (code === null) return el('span', { class: 'code-badge code-none', title: 'No answer (network error or timeout)', text: 'no answer' });
    const family = code >= 500 ? '5xx' : code >= 400 ? '4xx' : '2xx';
    return el('span', { class: `code-badge code-${family}`, title: `HTTP status ${code}`, text: String(code) });
  }

  function row(entry) {
    const [label, tone] = OUTCOMES[entry.outcome] || [entry.outcome, 'default'];
    const meta = [entry.direction, entry.roomId === null ? null : `room ${entry.roomId}`, entry.subject].filter(Boolean).join(' · ');
    const what = el('td', {}, [el('span', { class: 'activity-what', text: entry.what }), el('span', { class: 'activity-meta', text: meta })]);
    if (entry.error) what.append(el('span', { class: 'activity-error', text: entry.error }));
    const result = el('td', {}, [el('span', { class: `lozenge lozenge-${tone}`, text: label })]);
    if (entry.statusCode !== null || entry.outcome === 'failed') result.append(codeBadge(entry.statusCode));
    const action = el('td');
    if (entry.canRetry) {
      const button = el('button', { type: 'button', class: 'button', 'data-job': String(entry.jobId), text: 'Retry' });
      button.addEventListener('click', () => retry(button, entry));
      action.append(button);
    }
    return el('tr', { 'data-outcome': entry.outcome }, [
      el('td', {}, [el('time', { datetime: entry.at, title: absolute(entry.at), text: relative(entry.at) })]),
      what,
      result,
      el('td', { class: 'num', text: entry.attempts === null ? '' : String(entry.attempts) }),
      action,
    ]);
  }

  function render() {
    $('activity-rows').replaceChildren(...entries.map(row));
    $('activity-table').hidden = entries.length === 0;
    $('activity-empty').hidden = entries.length > 0;
    $('activity-empty').textContent = $('activity-failed-only').checked ? 'No failures among the last deliveries and callbacks.' : 'Nothing yet.';
    $('activity-more').hidden = !more;
  }

  /** Loads the newest entries (or, with `older`, the ones after those shown). */
  async function load(older = false) {
    const params = new URLSearchParams();
    if ($('activity-failed-only').checked) params.set('failed', '1');
    if (older && entries.length) params.set('before', String(entries[entries.length - 1].id));
    const result = await window.addonApi('GET', `${API}?${params}`);
    $('activity-loading').hidden = true;
    if (!result.ok) {
      show($('activity-result'), 'error', result.error.message);
      return;
    }
    hide($('activity-result'));
    entries = older ? entries.concat(result.data.entries) : result.data.entries;
    more = result.data.more;
    render();
  }

  async function retry(button, entry) {
    const result = await busy(button, 'Retrying…', () => window.addonApi('POST', `${API}/jobs/${entry.jobId}/retry`), section);
    if (!result.ok) {
      show($('activity-result'), 'error', result.error.message);
      return;
    }
    await load();
    show($('activity-result'), 'success', result.data.message);
  }

  $('activity-refresh').addEventListener('click', (event) => busy(event.currentTarget, 'Refreshing…', () => load(), section));
  $('activity-more').addEventListener('click', (event) => busy(event.currentTarget, 'Loading…', () => load(true), section));
  $('activity-failed-only').addEventListener('change', () => load());
  load();
})();

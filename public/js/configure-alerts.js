// The configure tab's alert sources: list them, create and change them (admins), show a new secret once,
// preview a pasted payload against the form as it is, and send a test event through a saved source.
// Text from the server is only ever put in with textContent.
'use strict';

(() => {
  const section = document.getElementById('alerts-section');
  if (!section) return;
  const canEdit = section.dataset.canEdit === 'true';
  const $ = (id) => document.getElementById(id);
  const API = '/configure/api/alert-sources';
  const KINDS = { hipchat: 'HipChat notification', soda: 'Soda Cloud', json: 'Generic JSON' };
  const OPERATORS = [['equals', 'equals'], ['contains', 'contains'], ['matches', 'matches the regular expression']];
  const MAX_RULES = 20;

  /** What the list endpoint said: {global, sources, samples}. */
  let state = { global: false, sources: [], samples: [] };
  /** The saved source the form edits, or null for a new one. */
  let editing = null;

  function el(tag, attributes = {}, children = []) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'text') element.textContent = value;
      else if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value === true ? '' : value);
    }
    element.append(...children);
    return element;
  }

  const { show, hide } = window.pageUi;

  /** Disables the section's buttons while `work` runs and shows `label` on the one pressed. */
  async function busy(button, label, work) {
    try {
      return await window.pageUi.busy(button, label, work, section);
    } finally {
      updateTestButton();
    }
  }

  const formatTime = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  async function load() {
    const result = await window.addonApi('GET', API);
    $('alerts-loading').hidden = true;
    if (!result.ok) {
      show($('alerts-error'), 'error', result.error.message);
      return false;
    }
    state = result.data;
    renderList();
    return true;
  }

  function renderList() {
    $('source-list').replaceChildren(...state.sources.map(sourceItem));
    $('alerts-empty').hidden = state.sources.length > 0;
  }

  function sourceItem(source) {
    const rooms = source.rooms.map((room) => room.name).join(', ');
    const details = el('dl', { class: 'details' }, [
      detail('Kind', KINDS[source.kind] || source.kind),
      detail(source.rooms.length > 1 ? 'Rooms' : 'Room', rooms),
      detail('Intake URL', el('code', { text: source.intakeUrl })),
      detail('Rules', source.rules.length ? `${source.rules.length} (${source.rules.filter((r) => r.invite).length} inviting)` : 'None'),
      detail('Secret made', el('time', { datetime: source.secretCreatedAt, text: formatTime(source.secretCreatedAt) })),
    ]);
    const item = el('li', { class: 'source-item', 'data-source-id': source.id }, [el('h3', { class: 'source-name', text: source.name }), details]);
    if (!canEdit) return item;

    const error = el('div', { class: 'banner banner-error', role: 'alert', hidden: true });
    const confirm = el('div', { class: 'confirm', hidden: true });
    const actions = el('div', { class: 'actions' }, [
      el('button', { type: 'button', class: 'button', text: 'Edit' }),
      el('button', { type: 'button', class: 'button', text: 'New secret' }),
      el('button', { type: 'button', class: 'button', text: 'Delete' }),
    ]);
    const [editButton, secretButton, deleteButton] = actions.children;
    editButton.addEventListener('click', () => openForm(source));
    const ask = (question, action, label, run) => {
      hide(error);
      const yes = el('button', { type: 'button', class: 'button button-danger', text: action });
      const no = el('button', { type: 'button', class: 'button button-link', text: 'Cancel' });
      confirm.replaceChildren(el('p', {}, [el('strong', { text: question.title }), ` ${question.detail}`]), el('div', { class: 'actions' }, [yes, no]));
      confirm.hidden = false;
      no.addEventListener('click', () => hide(confirm));
      yes.addEventListener('click', async () => {
        const result = await busy(yes, label, run);
        hide(confirm);
        if (!result.ok) show(error, 'error', result.error.message);
      });
      no.focus();
    };
    secretButton.addEventListener('click', () =>
      ask({ title: `Make a new secret for ${source.name}?`, detail: 'The current secret stops working at once: alerts sent with it are refused until the tool has the new one.' }, 'Make new secret', 'Making…', async () => {
        const result = await window.addonApi('POST', `${API}/${source.id}/secret`, { body: { confirm: true } });
        if (result.ok) {
          showSecret(result.data.secret);
          await load();
        }
        return result;
      }),
    );
    deleteButton.addEventListener('click', () =>
      ask({ title: `Delete ${source.name}?`, detail: 'Its intake URL stops taking alerts, and its alerts are forgotten.' }, 'Delete', 'Deleting…', async () => {
        const result = await window.addonApi('DELETE', `${API}/${source.id}`);
        if (result.ok) {
          if (editing && editing.id === source.id) closeForm();
          hide($('source-secret'));
          show($('source-result'), 'success', result.data.message);
          await load();
        }
        return result;
      }),
    );
    item.append(actions, confirm, error);
    return item;
  }

  function detail(term, value) {
    return el('div', {}, [el('dt', { text: term }), el('dd', {}, [value])]);
  }

  function showSecret(secret) {
    $('secret-url').textContent = secret.urlWithSecret;
    $('secret-bearer').textContent = `Authorization: ${secret.bearerHeader}`;
    $('secret-basic').textContent = `Authorization: ${secret.basicHeader}`;
    section.querySelectorAll('.copy-button').forEach((button) => (button.textContent = 'Copy'));
    $('source-secret').hidden = false;
    $('source-secret').scrollIntoView({ block: 'nearest' });
  }

  // ---- the form ----

  const form = $('source-form');
  const kindOf = () => (editing ? editing.kind : $('source-kind').value);

  function setUpForm() {
    $('add-source-button').addEventListener('click', () => openForm(null));
    $('source-cancel-button').addEventListener('click', closeForm);
    $('source-kind').addEventListener('change', () => {
      showKind();
      fillSamples();
    });
    $('card-enabled').addEventListener('change', () => ($('card-fields-group').hidden = !$('card-enabled').checked));
    $('source-rooms').addEventListener('input', fillRoomList);
    $('add-rule-button').addEventListener('click', () => addRule());
    $('preview-sample').addEventListener('change', loadSample);
    $('preview-button').addEventListener('click', preview);
    $('test-event-button').addEventListener('click', sendTestEvent);
    form.addEventListener('input', (event) => {
      const target = event.target;
      if (target && target.dataset && target.dataset.field) clearError(target);
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save();
    });
    section.querySelectorAll('.copy-button').forEach((button) => button.addEventListener('click', () => copy(button)));
  }

  function openForm(source) {
    editing = source;
    clearErrors();
    hide($('source-save-result'), $('test-event-result'), $('preview-result'), $('source-result'));
    if (!source) hide($('source-secret'));
    $('source-form-heading').textContent = source ? `Edit ${source.name}` : 'New alert source';
    $('source-save-button').textContent = source ? 'Save source' : 'Create source';
    $('source-name').value = source ? source.name : '';
    $('source-kind').value = source ? source.kind : 'hipchat';
    $('source-kind').disabled = Boolean(source);
    $('source-rooms').value = source ? source.rooms.map((room) => room.name).join('\n') : '';
    const template = (source && source.template) || { message: '', format: 'text', severity: '', color: 'yellow', card: null };
    $('template-message').value = template.message;
    $('template-format').value = template.format;
    $('template-severity').value = template.severity;
    $('template-color').value = template.color;
    $('card-enabled').checked = Boolean(template.card);
    $('card-fields-group').hidden = !template.card;
    $('card-title').value = template.card ? template.card.title : '';
    $('card-link').value = template.card ? template.card.link : '';
    $('card-fields').value = template.card ? template.card.fields.map((f) => `${f.label} = ${f.value}`).join('\n') : '';
    $('source-alertKey').value = source ? source.alertKey : '';
    $('source-dedupeMinutes').value = source ? String(source.dedupeMinutes) : '5';
    $('source-inviteWindowMinutes').value = source ? String(source.inviteWindowMinutes) : '60';
    $('rule-list').replaceChildren();
    for (const rule of source ? source.rules : []) addRule(rule);
    showKind();
    fillRoomList();
    fillSamples();
    updateTestButton();
    form.hidden = false;
    $('add-source-actions').hidden = true;
    $('source-name').focus();
  }

  function closeForm() {
    editing = null;
    form.hidden = true;
    $('add-source-actions').hidden = false;
  }

  function showKind() {
    const kind = kindOf();
    $('source-kind-help').textContent = $('source-kind-help').dataset[kind] || '';
    $('template-fields').hidden = kind !== 'json';
    $('rooms-field').hidden = !state.global;
    const note = $('room-note');
    note.hidden = state.global;
    if (!state.global) note.textContent = 'Alerts go to the room the add-on is installed in.';
    form.querySelectorAll('.rule-room').forEach((field) => (field.hidden = !state.global));
  }

  function roomNames() {
    return $('source-rooms').value.split('\n').map((line) => line.trim()).filter(Boolean);
  }

  function fillRoomList() {
    $('rule-rooms').replaceChildren(...roomNames().map((name) => el('option', { value: name })));
  }

  function addRule(rule) {
    const list = $('rule-list');
    if (list.children.length >= MAX_RULES) return;
    const index = list.children.length;
    const id = (name) => `rule-${index}-${name}`;
    const input = (name, field, label, attributes = {}) =>
      el('div', { class: `field rule-${name}` }, [el('label', { for: id(name), text: label }), el('input', { id: id(name), type: 'text', 'data-field': `rules.${index}.${field}`, spellcheck: 'false', autocomplete: 'off', ...attributes })]);
    const op = el('select', { id: id('op'), 'data-field': `rules.${index}.op` }, OPERATORS.map(([value, label]) => el('option', { value, text: label })));
    const remove = el('button', { type: 'button', class: 'button button-link', text: 'Remove' });
    const row = el('li', { class: 'rule' }, [
      el('div', { class: 'rule-match' }, [
        input('field', 'field', 'Field', { placeholder: 'severity', maxlength: '200' }),
        el('div', { class: 'field rule-op' }, [el('label', { for: id('op'), text: 'Test' }), op]),
        input('value', 'value', 'Value', { maxlength: '500' }),
      ]),
      el('div', { class: 'rule-then' }, [
        input('room', 'room', 'Room (empty: the first)', { list: 'rule-rooms', maxlength: '255' }),
        input('group', 'invite.group', 'Invite xMatters group', { placeholder: 'optional', maxlength: '255' }),
        input('description', 'invite.description', 'Invite description', { placeholder: 'empty: the alert’s message', maxlength: '2000' }),
      ]),
      el('p', { class: 'field-error', id: id('error'), hidden: true }),
      el('div', { class: 'actions' }, [remove]),
    ]);
    list.append(row);
    row.querySelector(`#${id('field')}`).value = rule ? rule.field : '';
    op.value = rule ? rule.op : 'equals';
    row.querySelector(`#${id('value')}`).value = rule ? rule.value : '';
    row.querySelector(`#${id('room')}`).value = rule && rule.roomName ? rule.roomName : '';
    row.querySelector(`#${id('group')}`).value = rule && rule.invite ? rule.invite.group : '';
    row.querySelector(`#${id('description')}`).value = rule && rule.invite ? rule.invite.description : '';
    remove.addEventListener('click', () => {
      const rules = readRules().filter((_, i) => i !== index);
      list.replaceChildren();
      rules.forEach((r) => addRule({ ...r, roomName: r.room, invite: r.invite }));
    });
    showKind();
    $('add-rule-button').disabled = list.children.length >= MAX_RULES;
  }

  function readRules() {
    return [...$('rule-list').children].map((row, index) => {
      const value = (name) => row.querySelector(`#rule-${index}-${name}`).value;
      const group = value('group').trim();
      return { field: value('field'), op: value('op'), value: value('value'), room: state.global ? value('room').trim() : '', invite: group ? { group, description: value('description') } : null };
    });
  }

  function cardFields() {
    return $('card-fields')
      .value.split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const eq = line.indexOf('=');
        return eq < 0 ? { label: line, value: '' } : { label: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
      });
  }

  function values() {
    const kind = kindOf();
    return {
      ...(editing ? {} : { kind }),
      name: $('source-name').value,
      rooms: state.global ? roomNames() : [],
      template:
        kind === 'json'
          ? {
              message: $('template-message').value,
              format: $('template-format').value,
              severity: $('template-severity').value,
              color: $('template-color').value,
              card: $('card-enabled').checked ? { title: $('card-title').value, link: $('card-link').value, fields: cardFields() } : null,
            }
          : null,
      alertKey: $('source-alertKey').value,
      dedupeMinutes: Number($('source-dedupeMinutes').value || 0),
      rules: readRules(),
      inviteWindowMinutes: Number($('source-inviteWindowMinutes').value || 0),
    };
  }

  // ---- errors next to their fields ----

  function slotFor(input) {
    if (input.closest('.rule')) return input.closest('.rule').querySelector('.field-error');
    return $(`${input.id}-error`) || $(`${input.dataset.field}-error`);
  }

  function clearError(input) {
    input.removeAttribute('aria-invalid');
    const slot = slotFor(input);
    if (slot) slot.hidden = true;
  }

  function clearErrors() {
    form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
    form.querySelectorAll('.field-error').forEach((slot) => (slot.hidden = true));
  }

  /** Puts an error under the input its field names (or the nearest one: "rooms.1" under the rooms), else into `banner`. */
  function showError(error, banner) {
    const parts = (error.field || '').replace(/^source\./, '').split('.');
    for (let n = parts.length; n > 0; n--) {
      const input = form.querySelector(`[data-field="${parts.slice(0, n).join('.')}"]`);
      if (!input || input.closest('[hidden]')) continue;
      const slot = input.id === 'rule-list' ? $('rules-error') : slotFor(input);
      if (!slot) continue;
      slot.textContent = error.message;
      slot.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      if (typeof input.focus === 'function' && input.tagName !== 'OL') input.focus();
      return;
    }
    show(banner, 'error', error.message);
  }

  async function save() {
    clearErrors();
    hide($('source-save-result'), $('test-event-result'), $('source-result'));
    const body = values();
    const result = await busy($('source-save-button'), editing ? 'Saving…' : 'Creating…', () =>
      editing ? window.addonApi('PUT', `${API}/${editing.id}`, { body }) : window.addonApi('POST', API, { body }),
    );
    if (!result.ok) {
      showError(result.error, $('source-save-result'));
      return;
    }
    const created = !editing;
    await load();
    openForm(state.sources.find((s) => s.id === result.data.source.id) || result.data.source);
    show($('source-save-result'), 'success', result.data.message);
    if (created) showSecret(result.data.secret);
  }

  // ---- try it: samples, preview, test event ----

  function fillSamples() {
    const samples = state.samples.filter((sample) => sample.kind === kindOf());
    $('preview-sample').replaceChildren(...samples.map((sample) => el('option', { value: sample.name, text: sample.label })), el('option', { value: '', text: 'My own payload' }));
    loadSample();
  }

  function loadSample() {
    const sample = state.samples.find((s) => s.kind === kindOf() && s.name === $('preview-sample').value);
    if (sample) $('preview-payload').value = JSON.stringify(sample.payload, null, 2);
    clearError($('preview-payload'));
    hide($('preview-result'), $('test-event-result'));
  }

  function updateTestButton() {
    const button = $('test-event-button');
    if (!button) return;
    button.disabled = !editing;
    $('test-event-help').textContent = editing ? 'Sends the payload through the saved source into the room, marked as a test.' : 'Create the source first: a test event goes through the saved source.';
  }

  async function preview() {
    clearErrors();
    hide($('preview-result'), $('test-event-result'));
    const body = { source: { ...values(), kind: kindOf() }, payload: $('preview-payload').value };
    const result = await busy($('preview-button'), 'Previewing…', () => window.addonApi('POST', `${API}/preview`, { body }));
    if (!result.ok) {
      showError(result.error, $('test-event-result'));
      return;
    }
    renderPreview(result.data.alerts);
  }

  function renderPreview(alerts) {
    const box = $('preview-result');
    box.replaceChildren(
      ...alerts.map((alert) => {
        const where = alert.rule >= 0 ? `rule ${alert.rule + 1} matched` : 'no rule matched: the first room';
        const notice = alert.notice;
        const parts = [
          el('p', {}, [el('strong', { text: 'Room: ' }), alert.room.name, el('span', { class: 'muted', text: ` (${where})` })]),
          el('div', { class: `preview-message color-${notice.color}` }, [
            el('span', { class: 'muted', text: `${notice.from ? `${notice.from} · ` : ''}${notice.format === 'html' ? 'HTML' : 'text'}${notice.notify ? ' · alerts the room' : ''}` }),
            el('pre', { text: notice.text }),
          ]),
        ];
        if (notice.card) {
          parts.push(
            el('div', { class: 'preview-card' }, [
              el('strong', { text: notice.card.title }),
              notice.card.url ? el('p', {}, [el('code', { text: notice.card.url })]) : '',
              el('ul', {}, notice.card.attributes.map((a) => el('li', { text: `${a.label}: ${a.value}` }))),
            ]),
          );
        }
        parts.push(el('p', {}, [el('strong', { text: 'Alert key: ' }), alert.key]));
        if (alert.invite) parts.push(el('p', {}, [el('strong', { text: `Invites ${alert.invite.group}: ` }), alert.invite.description]));
        return el('div', { class: 'preview-alert' }, parts);
      }),
    );
    box.hidden = false;
  }

  async function sendTestEvent() {
    if (!editing) return;
    clearErrors();
    hide($('preview-result'), $('test-event-result'));
    const body = { payload: $('preview-payload').value };
    const result = await busy($('test-event-button'), 'Sending…', () => window.addonApi('POST', `${API}/${editing.id}/test`, { body }));
    if (!result.ok) {
      showError(result.error, $('test-event-result'));
      return;
    }
    show($('test-event-result'), 'success', result.data.message);
  }

  async function copy(button) {
    const code = $(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(code.textContent);
      button.textContent = 'Copied';
    } catch {
      // The frame may not be allowed the clipboard: select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Press Ctrl+C';
    }
  }

  load().then((loaded) => {
    if (loaded && canEdit) {
      setUpForm();
      updateTestButton();
    }
  });
})();

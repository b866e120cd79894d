// The "+" dialog: look up xMatters users and groups as you type, pick them as chips, write a description
// and send the invite through HipChat's "Send Invite" button (or, outside HipChat, the page's own).
// Text from the server is only ever put in with textContent.
'use strict';

(() => {
  const SEND_ACTION = 'oncall-invite.send';
  const CANCEL_ACTION = 'oncall-invite.cancel';
  const MIN_QUERY = 2;
  const DEBOUNCE_MS = 250;
  const LISTBOX_MAX_HEIGHT = 280;
  const $ = (id) => document.getElementById(id);
  // HipChat's API only answers inside its dialog frame; a page opened on its own works without it.
  const hipchat = window.HipChat && window.parent !== window ? window.HipChat : undefined;

  // --- talking to the add-on -------------------------------------------------------------------


  const call = window.addonApi;


  function closeDialog(close) {
    if (typeof close === 'function') close(true);
    else if (hipchat && hipchat.dialog && typeof hipchat.dialog.close === 'function') hipchat.dialog.close();
  }

  // Key presses inside the frame never reach HipChat's page, so Escape that nothing else used closes the dialog here.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented && hipchat) closeDialog();
  });

  // --- the form ----------------------------------------------------------------------------------

  const form = $('invite-form');
  if (!form) {
    // Not configured: the page only explains; Cancel still closes the dialog.
    if (hipchat && typeof hipchat.register === 'function') {
      hipchat.register({ 'dialog-button-click': (event, close) => event && event.action === CANCEL_ACTION && closeDialog(close) });
    }
    return;
  }

  const maxRecipients = Number(form.dataset.maxRecipients);
  const maxDescription = Number(form.dataset.maxDescription);
  const input = $('recipient-input');
  const picker = $('picker');
  const chips = $('chips');
  const listbox = $('recipient-listbox');
  const spinner = $('lookup-spinner');
  const help = $('recipients-help');
  const description = $('description');
  const counter = $('description-counter');
  const sendButton = $('send-button');
  const sendStatus = $('send-status');
  const sendError = $('send-error');
  const sendSuccess = $('send-success');
  const announcer = $('announcer');

  /** Picked recipients, in the order picked: {targetName, type, displayName}. */
  const picked = [];
  /** The options on show and the highlighted one. */
  let options = [];
  let active = -1;
  let debounce;
  let inFlight;
  let lookupSeq = 0;
  /** While xMatters limits requests (429), lookups wait and its message stays. */
  let paused = { until: 0, message: '' };
  let sending = false;
  let primaryEnabled = false;
  /** One key per dialog: a double click, or a retry after a lost answer, is still one invite. */
  let idempotencyKey = newKey();

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function announce(message) {
    announcer.textContent = message;
  }

  function showFieldError(name, message) {
    const slot = $(`${name}-error`);
    slot.textContent = message.replace(new RegExp(`^${name}(\\.\\S+)?: `), '');
    slot.hidden = false;
    (name === 'recipients' ? input : description).setAttribute('aria-invalid', 'true');
    if (name === 'recipients') picker.classList.add('is-invalid');
  }

  function clearFieldError(name) {
    $(`${name}-error`).hidden = true;
    (name === 'recipients' ? input : description).removeAttribute('aria-invalid');
    if (name === 'recipients') picker.classList.remove('is-invalid');
  }

  // --- lookup ------------------------------------------------------------------------------------

  function cancelLookup() {
    clearTimeout(debounce);
    lookupSeq += 1;
    if (inFlight) inFlight.abort();
    inFlight = undefined;
    spinner.hidden = true;
    listbox.removeAttribute('aria-busy');
  }

  function onType() {
    cancelLookup();
    clearFieldError('recipients');
    const query = input.value.trim();
    if (picked.length >= maxRecipients) {
      closeList();
      if (query) announce(`An invite can have at most ${maxRecipients} recipients. Remove one to add another.`);
      return;
    }
    if (query.length < MIN_QUERY) {
      closeList();
      return;
    }
    debounce = setTimeout(() => lookup(query), DEBOUNCE_MS);
  }

  async function lookup(query) {
    if (Date.now() < paused.until) {
      showFieldError('recipients', paused.message);
      return;
    }
    const seq = ++lookupSeq;
    const controller = new AbortController();
    inFlight = controller;
    spinner.hidden = false;
    listbox.setAttribute('aria-busy', 'true');
    const result = await call('GET', `/invite/api/recipients?q=${encodeURIComponent(query)}`, { signal: controller.signal });
    if (seq !== lookupSeq) return; // a newer lookup started, or this one was cancelled: its answer is stale
    inFlight = undefined;
    spinner.hidden = true;
    listbox.removeAttribute('aria-busy');
    if (!result.ok) {
      if (result.aborted) return;
      closeList();
      if (result.retryAfter && result.error.code === 'xmatters_rate_limited') paused = { until: Date.now() + result.retryAfter * 1000, message: result.error.message };
      showFieldError('recipients', result.error.message);
      return;
    }
    showOptions(query, result.data.recipients);
  }

  const isPicked = (recipient) => picked.some((p) => p.targetName === recipient.targetName);
  const titleCase = (word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

  function element(tag, className, textContent) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (textContent !== undefined) el.textContent = textContent;
    return el;
  }

  function showOptions(query, recipients) {
    options = recipients;
    listbox.replaceChildren();
    if (recipients.length === 0) {
      listbox.append(element('li', 'listbox-message', `No xMatters users or groups match '${query}'`));
      announce(`No xMatters users or groups match ${query}`);
    } else {
      recipients.forEach((recipient, index) => listbox.append(optionElement(recipient, index)));
      announce(`${recipients.length} result${recipients.length === 1 ? '' : 's'}. Use the up and down arrows to choose.`);
    }
    openList();
    setActive(recipients.findIndex((r) => !isPicked(r)));
  }

  function optionElement(recipient, index) {
    const li = element('li', 'option');
    li.id = `recipient-option-${index}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.dataset.index = String(index);
    const already = isPicked(recipient);
    if (already) {
      li.classList.add('is-picked');
      li.setAttribute('aria-disabled', 'true');
    }
    const names = element('span', 'option-names');
    const name = element('span', 'option-name', recipient.displayName || recipient.targetName);
    name.title = name.textContent;
    names.append(name);
    if (name.textContent !== recipient.targetName) {
      const target = element('span', 'option-target', recipient.targetName);
      target.title = recipient.targetName;
      names.append(target);
    }

    const meta = element('span', 'option-meta');
    const group = recipient.type === 'GROUP';
    meta.append(element('span', `lozenge ${group ? 'lozenge-group' : 'lozenge-person'}`, group ? 'Group' : 'Person'));
    const status = String(recipient.status || '');
    meta.append(element('span', status === 'ACTIVE' ? 'status status-active' : 'status', titleCase(status)));
    if (already) meta.append(element('span', 'option-added', 'Added'));
    li.append(names, meta);
    return li;
  }

  function openList() {
    listbox.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    placeList();
  }

  function closeList() {
    listbox.hidden = true;
    listbox.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  /** Keeps the list inside the frame: below the box when it fits, else above, scrolling within. */
  function placeList() {
    const box = picker.getBoundingClientRect();
    const below = window.innerHeight - box.bottom - 12;
    const above = box.top - 12;
    const wanted = Math.min(listbox.scrollHeight, LISTBOX_MAX_HEIGHT);
    const flip = below < wanted && above > below;
    listbox.classList.toggle('is-above', flip);
    listbox.style.maxHeight = `${Math.max(80, Math.min(LISTBOX_MAX_HEIGHT, flip ? above : below))}px`;
  }

  function setActive(index) {
    const previous = listbox.querySelector('.is-active');
    if (previous) {
      previous.classList.remove('is-active');
      previous.setAttribute('aria-selected', 'false');
    }
    active = index;
    const option = index >= 0 ? $(`recipient-option-${index}`) : null;
    if (!option) {
      input.removeAttribute('aria-activedescendant');
      return;
    }
    option.classList.add('is-active');
    option.setAttribute('aria-selected', 'true');
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  }

  /** The next option that can still be picked, going `step` (+1 or -1) from the active one, wrapping. */
  function move(step) {
    const count = options.length;
    for (let i = 1; i <= count; i++) {
      const index = (((active + step * i) % count) + count) % count;
      if (!isPicked(options[index])) return setActive(index);
    }
  }

  // --- chips -------------------------------------------------------------------------------------

  function pick(recipient) {
    if (isPicked(recipient) || picked.length >= maxRecipients) return;
    picked.push({ targetName: recipient.targetName, type: recipient.type, displayName: recipient.displayName || recipient.targetName });
    input.value = '';
    cancelLookup();
    closeList();
    clearFieldError('recipients');
    renderChips();
    if (recipient.type === 'GROUP') lookUpOnCall(recipient.targetName);
    announce(`${recipient.displayName || recipient.targetName} added. ${picked.length} of ${maxRecipients} recipients.`);
    input.focus();
  }

  function unpick(index) {
    const [removed] = picked.splice(index, 1);
    if (!removed) return;
    clearFieldError('recipients');
    renderChips();
    announce(`${removed.displayName} removed.`);
    input.focus();
  }

  // --- who is on call in the picked groups -------------------------------------------------------

  /** targetName → {state: 'loading' | 'done' | 'error', text, anyone}; only for picked groups. */
  const onCall = new Map();
  const onCallList = $('on-call');

  async function lookUpOnCall(group) {
    onCall.set(group, { state: 'loading', text: `Looking up who is on call in ${group}…` });
    renderOnCall();
    const result = await call('GET', `/invite/api/on-call?group=${encodeURIComponent(group)}`);
    if (!onCall.has(group)) return;
    onCall.set(
      group,
      result.ok
        ? { state: 'done', text: result.data.text, anyone: result.data.anyone }
        : { state: 'error', text: `Could not look up who is on call in ${group} (${result.error ? result.error.message : 'no answer'}). You can still send the invite.` },
    );
    renderOnCall();
  }

  function renderOnCall() {
    for (const group of onCall.keys()) if (!picked.some((p) => p.type === 'GROUP' && p.targetName === group)) onCall.delete(group);
    onCallList.replaceChildren(
      ...[...onCall.values()].map((entry) => {
        const tone = entry.state === 'loading' ? 'is-loading' : entry.state === 'error' ? 'is-error' : entry.anyone ? 'is-on-call' : 'is-nobody';
        return element('li', `on-call-line ${tone}`, entry.text);
      }),
    );
    onCallList.hidden = onCall.size === 0;
  }

  function renderChips() {
    const sameName = (recipient) => picked.filter((p) => p.displayName === recipient.displayName).length > 1;
    chips.replaceChildren(
      ...picked.map((recipient, index) => {
        const group = recipient.type === 'GROUP';
        const li = element('li', `chip ${group ? 'chip-group' : 'chip-person'}`);
        // Two people may share a name: then their user IDs tell them apart.
        const label = element('span', 'chip-label', sameName(recipient) ? `${recipient.displayName} (${recipient.targetName})` : recipient.displayName);
        label.title = `${recipient.displayName} (${group ? 'group' : recipient.targetName})`;
        const remove = element('button', 'chip-remove', '×');
        remove.type = 'button';
        remove.disabled = sending;
        remove.setAttribute('aria-label', `Remove ${recipient.displayName}`);
        remove.addEventListener('click', () => unpick(index));
        li.append(label, remove);
        return li;
      }),
    );
    const full = picked.length >= maxRecipients;
    picker.classList.toggle('is-full', full);
    input.placeholder = picked.length === 0 ? 'Type a name, user ID or group' : full ? '' : 'Add another…';
    help.textContent =
      picked.length === 0 ? `Type at least ${MIN_QUERY} characters to look up xMatters users and groups. Up to ${maxRecipients} recipients.`
      : full ? `${maxRecipients} of ${maxRecipients} recipients: that is the most one invite can have.`
      : `${picked.length} of ${maxRecipients} recipients picked.`;
    help.classList.toggle('is-full', full);
    renderOnCall();
    updateValidity();
  }

  // --- description -------------------------------------------------------------------------------

  function onDescription() {
    const length = description.value.length;
    counter.textContent = `${length} / ${maxDescription}`;
    counter.classList.toggle('is-near', length >= maxDescription * 0.95 && length <= maxDescription);
    counter.classList.toggle('is-over', length > maxDescription);
    if (description.value.trim().length > maxDescription) {
      showFieldError('description', `The description is ${length} characters; the most is ${maxDescription}.`);
    } else {
      clearFieldError('description');
    }
    updateValidity();
  }

  // --- sending -----------------------------------------------------------------------------------

  function isValid() {
    const length = description.value.trim().length;
    return picked.length >= 1 && length >= 1 && length <= maxDescription;
  }

  /** Enables HipChat's Send Invite (and the page's own) only while the form can be sent. */
  function updateValidity() {
    const enabled = isValid() && !sending;
    sendButton.disabled = !enabled;
    if (enabled === primaryEnabled) return;
    primaryEnabled = enabled;
    if (hipchat && hipchat.dialog && typeof hipchat.dialog.updatePrimaryAction === 'function') hipchat.dialog.updatePrimaryAction({ enabled });
  }

  function setSending(on) {
    sending = on;
    input.disabled = on;
    description.disabled = on;
    chips.querySelectorAll('button').forEach((b) => (b.disabled = on));
    form.classList.toggle('is-sending', on);
    sendButton.textContent = on ? 'Sending…' : 'Send Invite';
    sendStatus.textContent = on ? 'Sending the invite to xMatters…' : '';
    form.setAttribute('aria-busy', String(on));
    updateValidity();
  }

  /**
   * Sends the invite; true once the add-on has accepted it, with the form left disabled. What was typed
   * stays when it fails.
   */
  async function send() {
    if (sending) return false;
    sendError.hidden = true;
    sendSuccess.hidden = true;
    if (!isValid()) {
      if (picked.length === 0) showFieldError('recipients', 'Pick at least one recipient.');
      if (!description.value.trim()) showFieldError('description', 'Write a description.');
      return false;
    }
    closeList();
    cancelLookup();
    setSending(true);
    const result = await call('POST', '/invite/api/invites', { body: { recipients: picked, description: description.value, idempotencyKey } });
    if (result.ok) {
      sendStatus.textContent = '';
      const names = picked.map((r) => r.displayName);
      const who = names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
      sendSuccess.textContent = `Invite sent to ${who}. Their answers will appear in the room.`;
      sendSuccess.hidden = false;
      return true;
    }
    setSending(false);
    const { field, message } = result.error;
    if (field === 'recipients' || field === 'description') showFieldError(field, message);
    else {
      sendError.textContent = message;
      sendError.hidden = false;
    }
    return false;
  }

  /** Outside HipChat the page stays open: start a fresh invite under the success message. */
  function sentStandalone() {
    picked.length = 0;
    description.value = '';
    idempotencyKey = newKey();
    setSending(false);
    renderChips();
    onDescription();
  }

  // --- wiring ------------------------------------------------------------------------------------

  input.addEventListener('input', onType);
  input.addEventListener('keydown', (event) => {
    const open = !listbox.hidden;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        event.preventDefault();
        if (open && options.length) move(event.key === 'ArrowDown' ? 1 : -1);
        else if (input.value.trim().length >= MIN_QUERY && picked.length < maxRecipients) {
          cancelLookup();
          lookup(input.value.trim());
        }
        break;
      case 'Enter':
        event.preventDefault();
        if (open && active >= 0 && options[active]) pick(options[active]);
        break;
      case 'Escape':
        if (!open) break; // the page's Escape handler closes the dialog
        event.preventDefault();
        event.stopPropagation();
        cancelLookup();
        closeList();
        break;
      case 'Backspace':
        if (input.value === '' && picked.length) unpick(picked.length - 1);
        break;
      case 'Tab':
        closeList();
        break;
    }
  });
  input.addEventListener('blur', () => {
    cancelLookup();
    closeList();
  });
  // Keep the focus in the box while choosing with the mouse.
  listbox.addEventListener('mousedown', (event) => event.preventDefault());
  listbox.addEventListener('click', (event) => {
    const option = event.target.closest('.option');
    const recipient = option && options[Number(option.dataset.index)];
    if (recipient && !isPicked(recipient)) pick(recipient);
  });
  listbox.addEventListener('mousemove', (event) => {
    const option = event.target.closest('.option');
    if (option && !option.classList.contains('is-picked') && Number(option.dataset.index) !== active) setActive(Number(option.dataset.index));
  });
  picker.addEventListener('mousedown', (event) => {
    if (event.target === picker || event.target === chips) {
      event.preventDefault();
      input.focus();
    }
  });
  window.addEventListener('resize', () => !listbox.hidden && placeList());

  description.addEventListener('input', onDescription);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await send()) sentStandalone();
  });

  if (!hipchat) {
    // Opened outside HipChat: the page brings its own Send Invite button.
    $('standalone-actions').hidden = false;
  } else if (typeof hipchat.register === 'function') {
    hipchat.register({
      'dialog-button-click': (event, close) => {
        const action = event && event.action;
        if (action === CANCEL_ACTION) closeDialog(close);
        else if (action === SEND_ACTION) send().then((sent) => sent && closeDialog(close));
      },
    });
  }

  renderChips();
  onDescription();
  input.focus();
})();

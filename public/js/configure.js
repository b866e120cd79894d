// The configure tab: Test Authentication, Save Settings and Regenerate call the add-on's JSON API with
// the page's JWT. Text from the server is only ever put in with textContent.
'use strict';

(() => {
  const FIELDS = ['hostname', 'username', 'password', 'inviteUrl', 'acceptAnswers', 'declineAnswers', 'nextGroups', 'nudgeMinutes'];
  const TEXT_FIELDS = ['hostname', 'username', 'password', 'inviteUrl'];
  /** A textarea's phrases, one per line. */
  const lines = (id) => $(id).value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const $ = (id) => document.getElementById(id);

  /** POSTs JSON; resolves to {ok:true, data} or {ok:false, error:{code, message, field?}}. */
  const post = (path, body) => window.addonApi('POST', path, { body });


  const { show, hide, busy } = window.pageUi;

  function formatTimes() {
    document.querySelectorAll('time[datetime]').forEach((el) => {
      const at = new Date(el.getAttribute('datetime'));
      if (!Number.isNaN(at.getTime())) el.textContent = at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    });
  }

  function setTime(el, iso) {
    if (iso) el.setAttribute('datetime', iso);
    else el.removeAttribute('datetime');
    el.textContent = iso || '';
  }

  function clearFieldErrors() {
    for (const name of FIELDS) {
      const input = $(name);
      if (input) input.removeAttribute('aria-invalid');
      hide($(`${name}-error`));
    }
  }

  /** An error about a visible field goes under it; anything else into `banner`. */
  function showError(error, banner) {
    const input = error.field && $(error.field);
    const slot = error.field && $(`${error.field}-error`);
    if (input && slot && !input.closest('[hidden]')) {
      slot.textContent = error.message.replace(new RegExp(`^${error.field}: `), '');
      slot.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    show(banner, 'error', error.message);
  }

  function showCallbackPassword(password) {
    $('callback-password').textContent = password;
    $('callback-secret').hidden = false;
    $('copy-button').textContent = 'Copy';
  }

  function setUpForm(form) {
    const testResult = $('test-result');
    const saveResult = $('save-result');
    const inviteStep = $('invite-step');
    const values = () => ({
      ...Object.fromEntries(TEXT_FIELDS.map((name) => [name, $(name).value])),
      matchMentionNames: $('matchMentionNames').checked,
      roomToXmatters: $('roomToXmatters').checked,
      xmattersToRoom: $('xmattersToRoom').checked,
      acceptAnswers: lines('acceptAnswers'),
      declineAnswers: lines('declineAnswers'),
      nextGroups: lines('nextGroups'),
      nudgeMinutes: $('nudgeMinutes').value.trim() === '' ? undefined : Number($('nudgeMinutes').value),
    });

    async function test() {
      clearFieldErrors();
      hide(testResult, saveResult, $('test-warning'));
      const { hostname, username, password } = values();
      const result = await busy($('test-button'), 'Testing…', () => post('/configure/api/test', { hostname, username, password }));
      if (!result.ok) {
        showError(result.error, testResult);
        return;
      }
      show(testResult, 'success', result.data.message);
      if (result.data.warning) show($('test-warning'), 'warning', result.data.warning);
      if (inviteStep.hidden) {
        inviteStep.hidden = false;
        $('inviteUrl').focus();
      }
    }

    async function save() {
      clearFieldErrors();
      hide(testResult, saveResult);
      const result = await busy($('save-button'), 'Saving…', () => post('/configure/api/settings', values()));
      if (!result.ok) {
        showError(result.error, saveResult);
        return;
      }
      const { settings, callback, message } = result.data;
      $('password').value = '';
      $('password-help').textContent = $('password-help').dataset.saved;
      form.dataset.saved = 'true';
      $('hostname').value = settings.hostname;
      $('inviteUrl').value = settings.inviteUrl || '';
      $('inviteUrl-key-help').hidden = !settings.inviteUrlKeySaved;
      $('matchMentionNames').checked = settings.matchMentionNames;
      $('roomToXmatters').checked = settings.roomToXmatters;
      $('xmattersToRoom').checked = settings.xmattersToRoom;
      $('acceptAnswers').value = settings.acceptAnswers.join('\n');
      $('declineAnswers').value = settings.declineAnswers.join('\n');
      $('nextGroups').value = settings.nextGroups.join('\n');
      $('nudgeMinutes').value = String(settings.nudgeMinutes);
      document.querySelectorAll('.js-username').forEach((el) => (el.textContent = settings.username));
      setTime($('verified-at'), settings.verifiedAt);
      $('verified-as').textContent = settings.verifiedAs ? `as ${settings.verifiedAs}` : '';
      setTime($('updated-at'), settings.updatedAt);
      $('updated-by').textContent = settings.updatedByName ? `by ${settings.updatedByName}` : '';
      $('settings-status').hidden = false;
      formatTimes();
      $('callback-username').textContent = callback.username || '';
      $('callback-section').hidden = false;
      show(saveResult, 'success', message);
      if (callback.password) {
        showCallbackPassword(callback.password);
        $('callback-secret').scrollIntoView({ block: 'nearest' });
      }
    }

    $('test-button').addEventListener('click', test);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (inviteStep.hidden) test();
      else save();
    });
    for (const name of ['hostname', 'username', 'password']) {
      $(name).addEventListener('input', () => {
        if (testResult.classList.contains('banner-success')) hide(testResult, $('test-warning'));
        $(name).removeAttribute('aria-invalid');
        hide($(`${name}-error`));
      });
    }
    $('inviteUrl').addEventListener('input', () => {
      $('inviteUrl').removeAttribute('aria-invalid');
      hide($('inviteUrl-error'));
    });
  }

  /** Fetches the plan with the page's token and hands it to the browser as a download. */
  function setUpPlanDownload() {
    const button = $('plan-button');
    if (!button) return;
    button.addEventListener('click', async () => {
      hide($('plan-error'));
      const result = await busy(button, 'Preparing…', () => window.addonApi('GET', '/configure/api/plan', { as: 'blob' }));
      if (!result.ok) {
        show($('plan-error'), 'error', result.error.message);
        return;
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(result.data.blob);
      link.download = result.data.filename || 'hipchat-invite-to-room-plan.zip';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    });
  }

  function setUpCallbacks() {
    const start = $('regenerate-start');
    const confirm = $('regenerate-confirm');
    const error = $('callback-error');

    $('copy-button').addEventListener('click', async () => {
      const code = $('callback-password');
      try {
        await navigator.clipboard.writeText(code.textContent);
        $('copy-button').textContent = 'Copied';
      } catch {
        // The frame may not be allowed the clipboard: select the text for Ctrl+C instead.
        const range = document.createRange();
        range.selectNodeContents(code);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        $('copy-button').textContent = 'Press Ctrl+C';
      }
    });

    if (!start) return;
    $('regenerate-button').addEventListener('click', () => {
      hide(start, error);
      confirm.hidden = false;
      $('regenerate-cancel').focus();
    });
    $('regenerate-cancel').addEventListener('click', () => {
      hide(confirm);
      start.hidden = false;
    });
    $('regenerate-confirm-button').addEventListener('click', async () => {
      hide(error);
      const result = await busy($('regenerate-confirm-button'), 'Regenerating…', () => post('/configure/api/callback-credentials', { confirm: true }));
      hide(confirm);
      start.hidden = false;
      if (!result.ok) {
        show(error, 'error', result.error.message);
        return;
      }
      $('callback-username').textContent = result.data.callback.username;
      showCallbackPassword(result.data.callback.password);
    });
  }

  const form = $('settings-form');
  if (form) setUpForm(form);
  setUpCallbacks();
  setUpPlanDownload();
  formatTimes();
})();

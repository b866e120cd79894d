// What the add-on's pages share for showing outcomes: banners, hiding, and a button busy while its call runs.
'use strict';

(() => {
  /** Shows `message` in `banner` as success, error, info or warning. Text only: never HTML. */
  function show(banner, kind, message) {
    banner.className = `banner banner-${kind}`;
    banner.textContent = message;
    banner.hidden = false;
  }

  function hide(...elements) {
    elements.forEach((element) => element && (element.hidden = true));
  }

  /** Disables the buttons within `scope` while `work` runs and shows `label` on the one pressed. */
  async function busy(button, label, work, scope = document) {
    const buttons = [...scope.querySelectorAll('button')];
    const idle = button.textContent;
    buttons.forEach((b) => (b.disabled = true));
    button.textContent = label;
    button.setAttribute('aria-busy', 'true');
    try {
      return await work();
    } finally {
      buttons.forEach((b) => (b.disabled = false));
      button.textContent = idle;
      button.removeAttribute('aria-busy');
    }
  }

  window.pageUi = { show, hide, busy };
})();

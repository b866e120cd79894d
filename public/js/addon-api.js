// An add-on page's calls to its own JSON API, with the page's JWT: a fresh one from HipChat.auth.withToken
// inside HipChat's frame, else the token the page was rendered with (<meta name="token">).
'use strict';

(() => {
  const tokenMeta = document.querySelector('meta[name="token"]');
  let pageToken = tokenMeta ? tokenMeta.content : '';
  // HipChat's API only answers inside its frame; a page opened on its own works without it.
  let askHipChat = Boolean(window.HipChat && window.parent !== window);

  function currentToken() {
    const auth = window.HipChat && window.HipChat.auth;
    if (!askHipChat || !auth || typeof auth.withToken !== 'function') return Promise.resolve(pageToken);
    return new Promise((resolve) => {
      // If HipChat never answers, stop asking and use the page token.
      const timer = setTimeout(() => {
        askHipChat = false;
        resolve(pageToken);
      }, 2000);
      try {
        auth.withToken((err, token) => {
          clearTimeout(timer);
          if (!err && typeof token === 'string' && token) pageToken = token;
          resolve(pageToken);
        });
      } catch {
        clearTimeout(timer);
        askHipChat = false;
        resolve(pageToken);
      }
    });
  }

  /**
   * Resolves to {ok:true, data}, {ok:false, error:{code, message, field?}, retryAfter} or {ok:false, aborted:true}.
   * With `as: 'blob'`, a successful answer is {ok:true, data:{blob, filename}}.
   */
  window.addonApi = async function call(method, path, { body, signal, as } = {}) {
    let res;
    try {
      const headers = { Authorization: `JWT ${await currentToken()}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (err) {
      if (err && err.name === 'AbortError') return { ok: false, aborted: true };
      return { ok: false, error: { code: 'network', message: 'Could not reach the add-on. Check your connection and try again.' } };
    }
    if (res.ok && as === 'blob') {
      const disposition = res.headers.get('Content-Disposition') || '';
      const filename = /filename="([^"]+)"/.exec(disposition);
      return { ok: true, data: { blob: await res.blob(), filename: filename ? filename[1] : null } };
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      // Not JSON: described below by its status.
    }
    if (res.ok && data) return { ok: true, data };
    const retryAfter = Number(res.headers.get('Retry-After')) || 0;
    if (data && data.error && typeof data.error.message === 'string') return { ok: false, error: data.error, retryAfter };
    return { ok: false, error: { code: `http_${res.status}`, message: `The add-on answered ${res.status}. Try again in a moment.` }, retryAfter };
  };
})();

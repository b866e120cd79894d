// The JWT for an add-on page's own calls: a fresh one from HipChat.auth.withToken inside HipChat's frame,
// else the token the page was rendered with (<meta name="token">).
'use strict';

(() => {
  const tokenMeta = document.querySelector('meta[name="token"]');
  let pageToken = tokenMeta ? tokenMeta.content : '';
  // HipChat's API only answers inside its frame; a page opened on its own works without it.
  let askHipChat = Boolean(window.HipChat && window.parent !== window);

  window.addonPageToken = function currentToken() {
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
  };
})();

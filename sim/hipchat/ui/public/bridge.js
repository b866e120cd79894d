// The HipChat side of the Connect JavaScript API: answers what /atlassian-connect/all.js asks from
// inside an add-on iframe. Only messages from a hosted iframe's own window and origin are answered,
// and answers go to that origin only.
const NS = 'hipchat-connect';
const hosts = new Set();

window.addEventListener('message', (event) => {
  for (const host of hosts) {
    if (host.accepts(event)) {
      host.receive(event.data);
      return;
    }
  }
});

/** Same-origin JSON call to the simulator; throws with the server's message on failure. */
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(data && data.error && data.error.message ? data.error.message : `HipChat answered HTTP ${res.status}`);
  return data;
}

/**
 * One add-on iframe. `context` is {oauthId, roomId?}; `handlers` answer the calls the place hosting the
 * frame supports (a dialog: dialog.close, dialog.update, ...); `parameters` go to 'receive-parameters'.
 */
export class FrameHost {
  constructor(iframe, context, handlers = {}, parameters = undefined) {
    this.iframe = iframe;
    this.origin = new URL(iframe.src).origin;
    this.context = context;
    this.handlers = handlers;
    this.parameters = parameters;
    this.events = new Set();
    hosts.add(this);
  }

  accepts(event) {
    return event.source === this.iframe.contentWindow && event.origin === this.origin && !!event.data && event.data.ns === NS;
  }

  post(message) {
    if (this.iframe.contentWindow) this.iframe.contentWindow.postMessage({ ns: NS, ...message }, this.origin);
  }

  async receive(message) {
    if (message.kind === 'register' && Array.isArray(message.events)) {
      this.events = new Set(message.events.filter((name) => typeof name === 'string'));
      if (this.events.has('receive-parameters') && this.parameters !== undefined) {
        this.post({ kind: 'event', name: 'receive-parameters', data: this.parameters });
        this.parameters = undefined;
      }
      return;
    }
    if (message.kind !== 'call' || typeof message.method !== 'string') return;
    let value = null;
    let error = null;
    try {
      value = (await this.answer(message.method, message.args)) ?? null;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (Number.isInteger(message.id)) this.post({ kind: 'result', id: message.id, error, value });
  }

  async answer(method, args) {
    const { oauthId, roomId } = this.context;
    switch (method) {
      case 'auth.withToken':
        return (await api('POST', '/chat/api/token', roomId === undefined ? { oauthId } : { oauthId, roomId })).token;
      case 'user.getCurrentUser':
        return api('GET', '/chat/api/user');
      case 'room.getRoomDetails':
        if (roomId === undefined) throw new Error('This page is not shown in a room');
        return api('GET', `/chat/api/room/${roomId}`);
      case 'room.getParticipants':
        if (roomId === undefined) throw new Error('This page is not shown in a room');
        return api('GET', `/chat/api/room/${roomId}/participants`);
      default: {
        const handler = this.handlers[method];
        if (!handler) throw new Error(`${method} is not available here`);
        return handler(args);
      }
    }
  }

  /** Tells the page a dialog button was clicked; false when it registered no handler for that. */
  buttonClicked(action) {
    if (!this.events.has('dialog-button-click')) return false;
    this.post({ kind: 'event', name: 'dialog-button-click', data: { action } });
    return true;
  }

  dispose() {
    hosts.delete(this);
  }
}

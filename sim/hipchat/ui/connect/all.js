/*
 * HipChat Connect JavaScript API, as served by the HipChat simulator at /atlassian-connect/all.js.
 * Pages inside HipChat's iframes (dialogs, configure tabs) talk to the HipChat page around them with
 * postMessage; see sim/hipchat/README.md ("JavaScript API") for the messages.
 */
(function () {
  'use strict';
  if (window.HipChat && window.HipChat.simulator) return;

  var NS = 'hipchat-connect';
  var TIMEOUT_MS = 15000;
  var parentWindow = window.parent !== window ? window.parent : null;
  var script = document.currentScript;
  // Only the HipChat that served this script may answer, and only it is told anything.
  var hostOrigin = originOf(script && script.src) || originOf(document.referrer);
  var handlers = Object.create(null);
  var pending = Object.create(null);
  var nextId = 1;

  function originOf(url) {
    try {
      return url ? new URL(url, location.href).origin : null;
    } catch (e) {
      return null;
    }
  }

  function send(message) {
    if (!parentWindow || !hostOrigin) return false;
    message.ns = NS;
    parentWindow.postMessage(message, hostOrigin);
    return true;
  }

  /** Asks the HipChat page; `callback(err, value)` gets its answer, or an error after TIMEOUT_MS. */
  function call(method, args, callback) {
    var id = nextId++;
    if (typeof callback === 'function') {
      pending[id] = {
        callback: callback,
        timer: setTimeout(function () {
          delete pending[id];
          callback(new Error('HipChat did not answer ' + method));
        }, TIMEOUT_MS),
      };
    }
    var sent = send({ kind: 'call', id: id, method: method, args: args === undefined ? null : args });
    if (!sent && pending[id]) {
      clearTimeout(pending[id].timer);
      delete pending[id];
      setTimeout(function () {
        callback(new Error('This page is not inside HipChat'));
      }, 0);
    }
  }

  window.addEventListener('message', function (event) {
    if (!parentWindow || event.source !== parentWindow || event.origin !== hostOrigin) return;
    var message = event.data;
    if (!message || message.ns !== NS) return;
    if (message.kind === 'result') {
      var entry = pending[message.id];
      if (!entry) return;
      delete pending[message.id];
      clearTimeout(entry.timer);
      entry.callback(message.error ? new Error(message.error) : null, message.value);
    } else if (message.kind === 'event') {
      var handler = handlers[message.name];
      if (typeof handler !== 'function') return;
      if (message.name === 'dialog-button-click') {
        handler(message.data, function closeDialog(close) {
          if (close) call('dialog.close');
        });
      } else {
        handler(message.data);
      }
    }
  });

  function register(map) {
    Object.keys(map || {}).forEach(function (name) {
      if (typeof map[name] === 'function') handlers[name] = map[name];
    });
    send({ kind: 'register', events: Object.keys(handlers) });
  }

  function ask(method) {
    return function (callback) {
      call(method, null, callback);
    };
  }

  function tell(method) {
    return function (args) {
      call(method, args);
    };
  }

  window.HipChat = {
    simulator: true,
    register: register,
    auth: {
      withToken: ask('auth.withToken'),
      withTokenAsync: function () {
        return new Promise(function (resolve, reject) {
          call('auth.withToken', null, function (err, token) {
            if (err) reject(err);
            else resolve(token);
          });
        });
      },
    },
    user: { getCurrentUser: ask('user.getCurrentUser') },
    room: { getRoomDetails: ask('room.getRoomDetails'), getParticipants: ask('room.getParticipants') },
    dialog: {
      open: function (options, callback) {
        call('dialog.open', options, callback);
      },
      close: tell('dialog.close'),
      update: tell('dialog.update'),
      updatePrimaryAction: tell('dialog.updatePrimaryAction'),
    },
    chat: { appendMessage: tell('chat.appendMessage') },
    sidebar: { openView: tell('sidebar.openView'), closeView: tell('sidebar.closeView') },
  };
})();

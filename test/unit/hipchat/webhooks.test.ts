import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWebhook, WebhookPayloadError } from '../../../lib/hipchat/webhooks';

// Shapes from docs/hipchat-connect.md §7 (the HIPFROG capture and the library extractors it cites).
const room = { id: 100, name: 'Ops War Room', privacy: 'public', is_archived: false, version: 'x', links: { self: 'https://api.hipchat.com/v2/room/100' } };
const from = { id: 2, name: 'Bob Smith', mention_name: 'bsmith', version: 'y', links: { self: 'https://api.hipchat.com/v2/user/2' } };

describe('parseWebhook', () => {
  it('room_message: the author is the actor', () => {
    const hook = parseWebhook('room_message', {
      event: 'room_message',
      oauth_client_id: 'oauth-1',
      webhook_id: 4965523,
      item: { message: { id: '5d3b7f2e-7c2b-4ad3-a1bc-2b4b0a6c6c5e', date: '2015-01-20T22:45:06.662545+00:00', from, mentions: [], message: '/oncall help', type: 'message' }, room },
    });
    assert.equal(hook.roomId, 100);
    assert.equal(hook.actorId, '2');
    assert.deepEqual(hook.roomEvent, { kind: 'message', messageId: '5d3b7f2e-7c2b-4ad3-a1bc-2b4b0a6c6c5e', text: '/oncall help', from: { id: '2', name: 'Bob Smith', mentionName: 'bsmith' } });
  });

  it('room_enter and room_exit: the sender is the actor', () => {
    const hook = parseWebhook('room_enter', { event: 'room_enter', item: { room, sender: { id: 4, name: 'Dan Brown', mention_name: 'dbrown' } } });
    assert.equal(hook.actorId, '4');
    assert.equal(hook.roomEvent.kind, 'enter');
  });

  it('events the add-on does not use are read as "other"', () => {
    assert.deepEqual(parseWebhook('room_topic_change', { event: 'room_topic_change', item: { room, sender: from, topic: 'x' } }).roomEvent, { kind: 'other', event: 'room_topic_change' });
  });

  it('refuses what is not a HipChat webhook, saying why', () => {
    assert.throws(() => parseWebhook('room_enter', { event: 'room_enter', item: {} }), (err: unknown) => err instanceof WebhookPayloadError && /room/.test(err.message));
    assert.throws(() => parseWebhook('room_enter', { event: 'room_exit', item: { room } }), /does not match the URL/);
    assert.throws(() => parseWebhook('room_message', { event: 'room_message', item: { room } }), /room_message item is not valid/);
    assert.throws(() => parseWebhook('room_enter', { event: 'room_enter', item: { room: { id: -1 } } }), WebhookPayloadError);
  });

  it('refuses a message id that could not be a dedupe key: blank, control characters, lone surrogates', () => {
    for (const id of [' ', 'a b', 'a\u0000b', 'a\u001bb', 'a\ud800', 'a\ufffdb']) {
      const body = { event: 'room_message', item: { room, message: { id, from, message: '/oncall help' } } };
      assert.throws(() => parseWebhook('room_message', body), /message\.id: must be a message id/, JSON.stringify(id));
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countedRecipients, roomStatus } from '../../../lib/invites/glance';
import { parseCommand } from '../../../lib/invites/command';
import { inviteCommand } from '../../../lib/invites/notices';
import type { InviteRecipient, RecipientState } from '../../../lib/store/invites';

const counts = (c: Partial<Record<'coming' | 'waiting' | 'declined' | 'failed' | 'noAnswer', number>>) => ({ coming: 0, waiting: 0, declined: 0, failed: 0, noAnswer: 0, ...c });
const oneInvite = [{}] as never[];

test('the lozenge by state: quiet without invites, waiting, answered, declined or failed, no answer', () => {
  assert.deepEqual(roomStatus({ invites: [], counts: counts({}) }), { html: 'On-call: no invites' });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ coming: 1, waiting: 2 }) }), {
    html: 'On-call: <b>1</b> coming · 2 waiting',
    lozenge: { label: 'WAITING', type: 'current' },
  });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ coming: 2 }) }), { html: 'On-call: <b>2</b> coming', lozenge: { label: 'ANSWERED', type: 'success' } });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ coming: 2, waiting: 1, declined: 1 }) }), {
    html: 'On-call: <b>2</b> coming · 1 waiting · 1 declined',
    lozenge: { label: 'DECLINED', type: 'error' },
  });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ failed: 1 }) }).lozenge, { label: 'FAILED', type: 'error' });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ noAnswer: 3 }) }), { html: 'On-call: <b>0</b> coming · 3 no answer', lozenge: { label: 'NO ANSWER', type: 'error' } });
  assert.deepEqual(roomStatus({ invites: oneInvite, counts: counts({ coming: 1, noAnswer: 1 }) }).lozenge, { label: 'COMING', type: 'success' });
});

const row = (targetName: string, recipientType: 'PERSON' | 'GROUP', state: RecipientState, fromCallback = false) =>
  ({ targetName, recipientType, state, fromCallback }) as InviteRecipient;

test('a group counts until its members show up; then its members count', () => {
  const group = row('Database', 'GROUP', 'sent');
  assert.deepEqual(countedRecipients([group, row('bsmith', 'PERSON', 'sent')]).map((r) => r.targetName), ['Database', 'bsmith']);
  assert.deepEqual(countedRecipients([group, row('mmcbride', 'PERSON', 'delivered', true)]).map((r) => r.targetName), ['mmcbride']);
});

test('the command for the next group reads back as /oncall parses it', () => {
  assert.equal(inviteCommand('Network', 'DB down'), '/oncall invite Network DB down');
  assert.equal(inviteCommand('Payments On-Call', 'DB\n  down'), '/oncall invite "Payments On-Call" DB down');
  assert.equal(inviteCommand(null, 'DB down'), '/oncall invite <person or group> DB down');
  assert.deepEqual(parseCommand(inviteCommand('Payments On-Call', 'Card payments fail')), { kind: 'invite', name: 'Payments On-Call', description: 'Card payments fail' });
  assert.deepEqual(parseCommand(inviteCommand('Network', 'Card payments fail')), { kind: 'invite', name: 'Network', description: 'Card payments fail' });
});

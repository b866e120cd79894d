import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { listRecipients } from '../../lib/store/invites';
import { startWorld, installAndConfigure, type ConfiguredInstallation, type World } from '../helpers/world';
import { waitFor } from '../helpers/wait';

// xMatters escalates inside a group's shift when nobody reached so far has accepted (E24): the
// simulator's "Payments On-Call" notifies Bob, then Mary 10 minutes later. Simulated minutes are
// 100 ms here, so the escalation comes after a second (and events expire after 18 s).
let world: World;
let install: ConfiguredInstallation;
const ROOM = 100;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } }, {}, { minuteMs: 100 });
  install = await installAndConfigure(world, ROOM);
});
after(() => world?.close());

test('the panel shows the escalation step a group reached, and the member it reached', async () => {
  const token = world.hipchat.signJwt(install.oauthId, { userId: 1, roomId: ROOM });
  const sent = await request(world.addon.addon.app)
    .post('/invite/api/invites')
    .set('Authorization', `JWT ${token}`)
    .send({ recipients: [{ targetName: 'Payments On-Call', type: 'GROUP' }], description: 'Card payments fail', idempotencyKey: 'escalation-test-1' });
  assert.equal(sent.status, 202, sent.text);
  const inviteId = sent.body.inviteId as string;
  await waitFor(async () => (await listRecipients(world.addon.addon.db, inviteId)).find((r) => r.targetName === 'Payments On-Call')?.escalationStep === 1, 'the escalation is recorded', 15_000);
  await waitFor(async () => (await listRecipients(world.addon.addon.db, inviteId)).some((r) => r.targetName === 'mmcbride'), 'Mary, reached by the escalation, is listed', 15_000);

  const panel = await request(world.addon.addon.app).get(`/panel?signed_request=${token}`);
  const pageToken = /<meta name="token" content="([^"]+)">/.exec(panel.text)![1]!;
  await waitFor(async () => {
    const res = await request(world.addon.addon.app).get('/panel/api/room').set('Authorization', `JWT ${pageToken}`);
    const shown = res.body.invites?.find((i: { id: string }) => i.id === inviteId);
    const group = shown?.recipients.find((r: { targetName: string }) => r.targetName === 'Payments On-Call');
    return group?.escalationStep === 1 && typeof group.escalatedAt === 'number';
  }, 'the panel shows the step');

  // The escalation webhook delivered again changes nothing.
  const delivery = world.xmatters.deliveries.find((d) => d.kind === 'ESCALATION')!;
  const repeat = await request(world.addon.addon.app).post('/xmatters/callbacks').auth(install.callback.username, install.callback.password).send(delivery.payload);
  assert.equal(repeat.body.status, 'duplicate');
  assert.equal((await listRecipients(world.addon.addon.db, inviteId)).find((r) => r.targetName === 'Payments On-Call')?.escalationStep, 1);
});

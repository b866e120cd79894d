import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { alertPayload, createSource, sourceBody, type CreatedSource } from '../helpers/alerts';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type World } from '../helpers/world';

// A global installation routes each alert by its fields: the first rule that matches picks the room,
// else the default room (the first of the source's rooms).

const OPS = 100;
const INCIDENT = 101;
const RANDOM = 102;
let world: World;
let splunk: CreatedSource;
let hipchat: CreatedSource;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50 } });
  const globalInstall = (await installAndConfigure(world)).oauthId;
  splunk = await createSource(
    world,
    globalInstall,
    sourceBody({
      name: 'Splunk On-Call',
      kind: 'json',
      dedupeMinutes: 0,
      rooms: ['Ops War Room', 'Incident 42', String(RANDOM)],
      template: { message: '{{message_type}}: {{entity_display_name}} ({{entity_id}})', severity: '{{message_type}}' },
      rules: [
        { field: 'entity_id', op: 'matches', value: '^disk space/', room: 'incident 42' },
        { field: 'message_type', op: 'equals', value: 'recovery', room: 'Random' },
        { field: 'entity_display_name', op: 'contains', value: 'checkout', room: '' },
      ],
    }),
  );
  hipchat = await createSource(world, globalInstall, sourceBody({ name: 'CI', kind: 'hipchat', dedupeMinutes: 0, rooms: ['Random', 'Ops War Room'], rules: [{ field: 'color', op: 'equals', value: 'red', room: 'Ops War Room' }] }));
});
after(() => world.close());

const post = (source: CreatedSource, body: unknown) => request(world.addon.addon.app).post(source.pathWithSecret).send(body as object);

async function arrives(text: string, roomId: number) {
  await waitFor(() => [OPS, INCIDENT, RANDOM].some((room) => world.hipchat.notifications(room).some((n) => n.message === text)), `"${text}" is posted`, 15_000);
  const rooms = [OPS, INCIDENT, RANDOM].filter((room) => world.hipchat.notifications(room).some((n) => n.message === text));
  assert.deepEqual(rooms, [roomId], `"${text}" went to room ${roomId} only`);
}

test('the first matching rule wins: a recovery of the disk-space entity matches rules 1 and 2 and goes where rule 1 says', async () => {
  const critical = await post(splunk, alertPayload('splunk-on-call/outgoing-webhook-alert-critical.json'));
  assert.equal(critical.status, 200, critical.text);
  assert.equal(critical.body.alerts[0].roomId, INCIDENT, 'the answer names the room');
  await arrives('CRITICAL: Critically Low Disk Space on DB01 (disk space/db01.mycompany.com)', INCIDENT);
  assert.equal((await post(splunk, alertPayload('splunk-on-call/outgoing-webhook-alert-recovery.json'))).status, 200);
  await arrives('RECOVERY: Critically Low Disk Space on DB01 (disk space/db01.mycompany.com)', INCIDENT);
});

test('a later rule, a rule that keeps the default room, and no rule at all', async () => {
  assert.equal((await post(splunk, { message_type: 'RECOVERY', entity_id: 'web/api', entity_display_name: 'API latency' })).status, 200);
  await arrives('RECOVERY: API latency (web/api)', RANDOM);
  assert.equal((await post(splunk, { message_type: 'CRITICAL', entity_id: 'web/checkout', entity_display_name: 'Checkout errors' })).status, 200);
  await arrives('CRITICAL: Checkout errors (web/checkout)', OPS);
  assert.equal((await post(splunk, { message_type: 'INFO', entity_id: 'cron/backup', entity_display_name: 'Backup done' })).status, 200);
  await arrives('INFO: Backup done (cron/backup)', OPS);
});

test('HipChat bodies are routed by their own fields; the default room is the first one named', async () => {
  assert.equal((await post(hipchat, alertPayload('sumo-logic/hipchat-notification-monitor-critical.json'))).status, 200);
  await arrives(alertPayload('sumo-logic/hipchat-notification-monitor-critical.json').message as string, OPS);
  assert.equal((await post(hipchat, { message: 'Deploy 1.4.2 done', color: 'green', message_format: 'text' })).status, 200);
  await arrives('Deploy 1.4.2 done', RANDOM);
});

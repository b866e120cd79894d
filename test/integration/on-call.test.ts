import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { HELP } from '../../lib/invites/command';
import { waitFor } from '../helpers/wait';
import { installAndConfigure, startWorld, type ConfiguredInstallation, type World } from '../helpers/world';

// Who is on call now, from xMatters' on-call endpoint through the simulator (its directory: Payments
// On-Call reaches Bob Smith, then Mary McBride after 10 minutes; Standby has only an inactive and an
// absent member; Storage skips both of those and reaches Carol Jones at once): the "+" dialog's lookup
// and `/oncall who` in the room, answered at once and completed by the delivery queue.

const ALICE = 1;
const ROOM = 102;
let world: World;
let install: ConfiguredInstallation;

before(async () => {
  world = await startWorld({ worker: { pollMs: 50, backoffBaseMs: 20, backoffMaxMs: 100 } });
  install = await installAndConfigure(world);
});
after(() => world.close());

const app = () => world.addon.addon.app;
const lookup = (group: string) =>
  request(app()).get('/invite/api/on-call').query({ group }).set('Authorization', `JWT ${world.hipchat.signJwt(install.oauthId, { userId: ALICE, roomId: ROOM })}`);
const texts = () => world.hipchat.notifications(ROOM).map((n) => n.message);
const onCallRequests = () => world.xmatters.requests.filter((r) => r.path.startsWith('/api/xm/1/on-call')).length;

describe('the dialog lookup', () => {
  test('a group with people on call: who, step by step', async () => {
    const res = await lookup('Payments On-Call');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.found, true);
    assert.equal(res.body.anyone, true);
    assert.deepEqual(res.body.shifts, [
      {
        name: '24x7',
        steps: [
          { afterMinutes: 0, people: [{ targetName: 'bsmith', displayName: 'Bob Smith' }] },
          { afterMinutes: 10, people: [{ targetName: 'mmcbride', displayName: 'Mary McBride' }] },
        ],
      },
    ]);
    assert.equal(res.body.text, 'On call now in Payments On-Call: Bob Smith (bsmith); then after 10 min: Mary McBride (mmcbride)');
  });

  test('inactive and absent members are skipped, with the delays after them', async () => {
    const res = await lookup('Storage');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.shifts[0].steps, [{ afterMinutes: 0, people: [{ targetName: 'carol.jones', displayName: 'Carol Jones' }] }]);
  });

  test('a group with nobody on call says so', async () => {
    const res = await lookup('Standby');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.found, true);
    assert.equal(res.body.anyone, false);
    assert.match(res.body.text, /^Nobody is on call in Standby right now/);
  });

  test('an unknown group says that xMatters has no such group, and the on-call endpoint is not asked', async () => {
    const before = onCallRequests();
    const res = await lookup('No Such Team');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.found, false);
    assert.deepEqual(res.body.shifts, []);
    assert.match(res.body.text, /no group named "No Such Team"/);
    assert.equal(onCallRequests(), before);
  });

  test('a failing lookup is a clear error (the dialog still sends), bad input a 400', async () => {
    world.xmatters.faults.failNext(1, 500);
    const res = await lookup('Facilities');
    assert.equal(res.status, 502, res.text);
    assert.match(res.body.error.message, /^Could not look up who is on call: /);
    const empty = await lookup('  ');
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /Name the group/);
    const long = await lookup('x'.repeat(256));
    assert.equal(long.status, 400);
    const anonymous = await request(app()).get('/invite/api/on-call').query({ group: 'Database' });
    assert.equal(anonymous.status, 401);
  });
});

describe('/oncall who', () => {
  async function say(text: string) {
    const { deliveries } = await world.hipchat.sendMessage(ROOM, ALICE, text);
    return deliveries.filter((d) => d.url.startsWith(world.addon.baseUrl));
  }

  test('is in the help', () => {
    assert.match(HELP, /^\/oncall who <group> — who is on call/m);
  });

  test('answers at once, then posts who is on call in the room', async () => {
    const [delivery] = await say('/oncall who "Payments On-Call"');
    assert.equal(delivery!.status, 200);
    assert.match(JSON.parse(delivery!.body).message, /^Looking up who is on call in "Payments On-Call"/);
    await waitFor(() => texts().includes('On call now in Payments On-Call: Bob Smith (bsmith); then after 10 min: Mary McBride (mmcbride)'), 'the answer is posted in the room', 15_000);
  });

  test('says when nobody is on call, and when the group does not exist', async () => {
    await say('/oncall who Standby');
    await waitFor(() => texts().some((t) => t.startsWith('Nobody is on call in Standby right now')), 'nobody is on call', 15_000);
    await say('/oncall who Nobody Here');
    await waitFor(() => texts().some((t) => t.startsWith('xMatters has no group named "Nobody Here"')), 'no such group', 15_000);
  });

  test('without a group: the help, and no job', async () => {
    const jobs = Number((await world.addon.addon.db('jobs').where({ kind: 'oncall.who' }).count({ n: '*' }).first())!.n);
    const [delivery] = await say('/oncall who');
    assert.match(JSON.parse(delivery!.body).message, /^Name the group/);
    assert.equal(Number((await world.addon.addon.db('jobs').where({ kind: 'oncall.who' }).count({ n: '*' }).first())!.n), jobs);
  });
});

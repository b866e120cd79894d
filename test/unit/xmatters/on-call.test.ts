import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyoneOnCall, describeOnCall, type OnCallNow } from '../../../lib/xmatters/on-call';

// The on-call line people read in the dialog and the room, from what the on-call endpoint gave.

const bob = { targetName: 'bsmith', displayName: 'Bob Smith' };
const mary = { targetName: 'mmcbride', displayName: 'Mary McBride' };

describe('describeOnCall', () => {
  it('names each step with its delay; a person without a name by their user ID', () => {
    const now: OnCallNow = { found: true, group: 'Payments', shifts: [{ name: '24x7', steps: [{ afterMinutes: 0, people: [bob, { targetName: 'ops7', displayName: 'ops7' }] }, { afterMinutes: 15, people: [mary] }] }] };
    assert.equal(describeOnCall(now), 'On call now in Payments: Bob Smith (bsmith), ops7; then after 15 min: Mary McBride (mmcbride)');
    assert.equal(anyoneOnCall(now), true);
  });

  it('names the shifts when several are active, and leaves out the empty ones', () => {
    const now: OnCallNow = { found: true, group: 'Network', shifts: [{ name: 'Day', steps: [{ afterMinutes: 0, people: [bob] }] }, { name: 'Backup', steps: [] }, { name: 'Follow the sun', steps: [{ afterMinutes: 5, people: [mary] }] }] };
    assert.equal(describeOnCall(now), 'On call now in Network: Day: Bob Smith (bsmith) | Follow the sun: then after 5 min: Mary McBride (mmcbride)');
  });

  it('says when nobody is on call, and when there is no such group', () => {
    for (const shifts of [[], [{ name: '24x7', steps: [] }]]) {
      const now: OnCallNow = { found: true, group: 'Standby', shifts };
      assert.equal(anyoneOnCall(now), false);
      assert.match(describeOnCall(now), /^Nobody is on call in Standby right now/);
    }
    assert.equal(anyoneOnCall({ found: false, group: 'Nope' }), false);
    assert.match(describeOnCall({ found: false, group: 'Nope' }), /^xMatters has no group named "Nope"/);
  });
});

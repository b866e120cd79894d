import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { PLAN_ENDPOINT_NAME, PLAN_PROPERTIES, buildCommunicationPlan } from '../../../lib/xmatters/plan';

const options = { callbackUrl: 'https://addon.example/xmatters/callbacks', callbackUsername: 'xm-abc123' };

function files(zip: Buffer): Record<string, any> {
  return Object.fromEntries(Object.entries(unzipSync(new Uint8Array(zip))).map(([name, bytes]) => [name, JSON.parse(strFromU8(bytes))]));
}

describe('buildCommunicationPlan', () => {
  it('has the layout of an xMatters plan export', () => {
    const plan = files(buildCommunicationPlan(options));
    assert.deepEqual(Object.keys(plan).sort(), ['engine.json', 'forms/InvitetoRoom/100001.json', 'integrations/integrations.json', 'properties/properties.json']);
    assert.equal(plan['engine.json'].name, 'HipChat Invite to Room');
    assert.equal(files(buildCommunicationPlan({ ...options, planName: 'Ops chat' }))['engine.json'].name, 'Ops chat');
    assert.deepEqual(plan['properties/properties.json'].map((p: { name: string; baseType: number }) => [p.name, p.baseType]), PLAN_PROPERTIES.map((p) => [p.name, 3]));
  });

  it('flags only invite_id for outbound integrations, and has Accept and Decline', () => {
    const form = files(buildCommunicationPlan(options))['forms/InvitetoRoom/100001.json'];
    assert.equal(form.name, 'Invite to Room');
    const items = form.layoutSections.flatMap((s: { sectionItems: unknown[] }) => s.sectionItems) as Array<{ propertyName: string; isIncludeInCallbacks: boolean }>;
    assert.deepEqual(items.map((i) => i.propertyName), PLAN_PROPERTIES.map((p) => p.name));
    assert.deepEqual(items.filter((i) => i.isIncludeInCallbacks).map((i) => i.propertyName), ['invite_id']);
    assert.deepEqual(form.responses.map((r: Record<string, string>) => [r.textResponse, r.action, r.contribution]), [
      ['Accept', 'RECORD_RESPONSE', 'POSITIVE'],
      ['Decline', 'STOP_NOTIFYING_USER', 'NEGATIVE'],
    ]);
  });

  it('sends responses, status, delivery, comments and escalations to the callback URL with Basic auth and no password', () => {
    const { integrations, endpoints } = files(buildCommunicationPlan(options))['integrations/integrations.json'];
    const formId = files(buildCommunicationPlan(options))['forms/InvitetoRoom/100001.json'].uuid;
    const outbound = integrations.filter((i: { type: string }) => i.type === 'OUTBOUND_WEBHOOK');
    assert.deepEqual(outbound.map((i: { triggeredBy: string }) => i.triggeredBy), ['RESPONSE', 'STATUS', 'DELIVERYSTATUS', 'ANNOTATION', 'ESCALATION']);
    assert.ok(outbound.every((i: Record<string, string>) => i.action === 'SEND_WEBHOOK' && i.endpoint === PLAN_ENDPOINT_NAME && i.form === formId));
    assert.deepEqual(endpoints, [{ name: PLAN_ENDPOINT_NAME, baseUrl: options.callbackUrl, type: 'EXTERNAL', authentication: 'BASIC', username: 'xm-abc123' }]);
    assert.ok(!JSON.stringify(endpoints).includes('password'));
  });

  it('the inbound script builds the trigger from the add-on body', () => {
    const { integrations } = files(buildCommunicationPlan(options))['integrations/integrations.json'];
    const inbound = integrations.find((i: { type: string }) => i.type === 'INBOUND_WEBHOOK');
    assert.equal(inbound.name, 'Invite to room');
    const posted: unknown[] = [];
    const body = {
      properties: { invite_id: 'i-1', room_id: 7, description: 'DB down', unknown: 'x' },
      recipients: [{ targetName: 'bsmith' }, { id: 'Database', recipientType: 'GROUP' }, {}],
      callbacks: [{ url: 'https://ignored.example' }],
    };
    runInNewContext(`(function(){${inbound.script}})()`, {
      request: { body: JSON.stringify(body) },
      trigger: {},
      form: { post: (t: unknown) => posted.push(JSON.parse(JSON.stringify(t))) },
      console: { log: () => {} },
    });
    assert.deepEqual(posted, [{ properties: { invite_id: 'i-1', room_id: '7', description: 'DB down' }, recipients: [{ id: 'bsmith' }, { id: 'Database', recipientType: 'GROUP' }] }]);
  });

  it('is a pure function: the same options give the same bytes', () => {
    assert.deepEqual(buildCommunicationPlan(options), buildCommunicationPlan({ ...options }));
    assert.notDeepEqual(buildCommunicationPlan(options), buildCommunicationPlan({ ...options, callbackUsername: 'other' }));
  });

  it('refuses options it cannot use', () => {
    assert.throws(() => buildCommunicationPlan({ ...options, callbackUrl: 'ftp://x.example/cb' }), /http or https URL/);
    assert.throws(() => buildCommunicationPlan({ ...options, callbackUrl: 'not a url' }), /http or https URL/);
    assert.throws(() => buildCommunicationPlan({ ...options, callbackUsername: '' }), /username/);
    assert.throws(() => buildCommunicationPlan({ ...options, callbackUsername: 'a:b' }), /username/);
    assert.throws(() => buildCommunicationPlan({ ...options, planName: ' ' }), /plan name/);
  });
});

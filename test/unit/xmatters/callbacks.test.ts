import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CallbackPayloadError, parseCallback } from '../../../lib/xmatters/callbacks';

function fixture(name: string): Record<string, unknown> {
  const file = new URL(`../../fixtures/xmatters/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { payload: Record<string, unknown> }).payload;
}

describe('parseCallback', () => {
  it('reads the documented response payload with eventProperties as an array of one-key objects', () => {
    assert.deepEqual(parseCallback(fixture('callback-response.json')), {
      kind: 'response',
      eventIdentifier: 1360008,
      date: '2017-03-01 18:02:11.123',
      properties: { Room: 'ops-war-room', Description: 'DB is down' },
      recipient: 'tdepuy',
      response: 'Accept',
      annotation: 'omw',
      device: 'Work Email',
    });
  });

  it('reads eventProperties given as an object, and the literal "null" annotation as no comment', () => {
    const parsed = parseCallback(fixture('callback-response-object-properties.json'));
    assert.equal(parsed.kind, 'response');
    assert.deepEqual(parsed.properties, { Room: 'ops-war-room', Description: 'DB is down' });
    assert.equal(parsed.kind === 'response' && parsed.annotation, null);
  });

  it('reads delivery status and event status payloads', () => {
    const delivery = parseCallback(fixture('callback-delivery-status.json'));
    assert.deepEqual(delivery, {
      kind: 'deliveryStatus',
      eventIdentifier: 1360008,
      date: '2017-03-01 18:01:02.500',
      properties: { Room: 'ops-war-room', Description: 'DB is down' },
      recipient: 'tdepuy',
      deliveryStatus: 'Delivered',
      device: 'Work Phone',
      message: 'Delivered Work Phone to tdepuy',
    });
    const status = parseCallback(fixture('callback-status.json'));
    assert.deepEqual(status, {
      kind: 'status',
      eventIdentifier: 1360008,
      date: '2017-03-01 18:01:00.001',
      properties: { Room: 'ops-war-room', Description: 'DB is down' },
      status: 'active',
    });
  });

  it('accepts a numeric-string eventIdentifier, a missing date and non-string property values', () => {
    const parsed = parseCallback({
      eventIdentifier: '1360010',
      status: 'terminated',
      eventProperties: [{ Room: 42 }, { Urgent: true }, { Empty: null }],
    });
    assert.equal(parsed.eventIdentifier, 1360010);
    assert.equal(parsed.date, null);
    assert.deepEqual(parsed.properties, { Room: '42', Urgent: 'true' });
  });

  it('treats an empty or missing annotation and device as absent', () => {
    const parsed = parseCallback({ eventIdentifier: 1, recipient: 'bsmith', response: 'Accept', annotation: '  ' });
    assert.equal(parsed.kind, 'response');
    if (parsed.kind !== 'response') return;
    assert.equal(parsed.annotation, null);
    assert.equal(parsed.device, null);
    assert.deepEqual(parsed.properties, {});
  });

  it('keeps a "__proto__" property as data', () => {
    const parsed = parseCallback(JSON.parse('{"eventIdentifier":1,"status":"active","eventProperties":[{"__proto__":"x"},{"Room":"ops"}]}'));
    assert.equal(parsed.properties.Room, 'ops');
    assert.equal(Object.getPrototypeOf(parsed.properties), Object.prototype);
  });

  describe('refuses malformed payloads with a message naming the problem', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['not an object', 'hello', /not a JSON object/],
      ['an array', [fixture('callback-response.json')], /not a JSON object/],
      ['no eventIdentifier on a kind the add-on does not know', { something: 'else' }, /outbound integration callback is not valid: "eventIdentifier" is missing/],
      ['missing eventIdentifier', { recipient: 'bsmith', response: 'Accept' }, /response callback is not valid: "eventIdentifier" is missing/],
      ['missing recipient', { eventIdentifier: 1, response: 'Accept' }, /"recipient" is missing/],
      ['non-numeric eventIdentifier', { eventIdentifier: 'abc', status: 'active' }, /"eventIdentifier"/],
      ['eventProperties of the wrong type', { eventIdentifier: 1, status: 'active', eventProperties: 'Room=ops' }, /"eventProperties"/],
      ['empty delivery status', { eventIdentifier: 1, recipient: 'bsmith', deliveryStatus: '' }, /deliveryStatus callback is not valid/],
      ['a blank recipient', { eventIdentifier: 1, recipient: '  ', response: 'Accept' }, /"recipient" must not be blank/],
      ['a NUL in the recipient', { eventIdentifier: 1, recipient: 'bs\u0000mith', response: 'Accept' }, /"recipient" contains a control character/],
      ['a lone surrogate in the comment', { eventIdentifier: 1, recipient: 'bsmith', response: 'Accept', annotation: 'omw \ud800' }, /"annotation" contains .* a lone surrogate/],
      ['broken UTF-8 in the status', { eventIdentifier: 1, status: 'act\ufffdive' }, /"status" contains .* not UTF-8/],
      ['a control character in an event property', { eventIdentifier: 1, status: 'active', eventProperties: [{ invite_id: 'a\u001bb' }] }, /"eventProperties.0.invite_id" contains a control character/],
    ];
    for (const [name, payload, message] of cases) {
      it(name, () => {
        assert.throws(() => parseCallback(payload), (error: unknown) => {
          assert.ok(error instanceof CallbackPayloadError);
          assert.match(error.message, message);
          return true;
        });
      });
    }
  });
});

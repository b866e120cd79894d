import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import Ajv from 'ajv-draft-04';
import { renderDescriptor } from '../../../lib/hipchat/descriptor';

const schema = JSON.parse(readFileSync(new URL('../../../sim/hipchat/schema/addon-capabilities.draft04.schema.json', import.meta.url), 'utf8'));

test('the served descriptor is valid against HipChat\'s own schema', () => {
  const ajv = new Ajv({ unicodeRegExp: false, strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  const descriptor = renderDescriptor('https://addon.example.com');
  assert.ok(validate(descriptor), JSON.stringify(validate.errors, null, 2));
});

test('the schema check can fail: a broken descriptor is refused', () => {
  const ajv = new Ajv({ unicodeRegExp: false, strict: false });
  const validate = ajv.compile(schema);
  const descriptor = renderDescriptor('https://addon.example.com');
  (descriptor.capabilities.hipchatApiConsumer as { scopes: string[] }).scopes = ['read_minds'];
  assert.equal(validate(descriptor), false);
});

test('the descriptor declares exactly what the product needs', () => {
  const d = renderDescriptor('https://addon.example.com') as any;
  assert.equal(d.links.self, 'https://addon.example.com/atlassian-connect.json');
  assert.deepEqual([...d.capabilities.hipchatApiConsumer.scopes].sort(), ['admin_room', 'send_notification', 'view_group', 'view_room']);
  assert.deepEqual(d.capabilities.installable, { callbackUrl: 'https://addon.example.com/installable', allowGlobal: true, allowRoom: true });
  assert.equal(d.capabilities.configurable.url, 'https://addon.example.com/configure');

  const [action] = d.capabilities.action;
  assert.equal(action.location, 'hipchat.input.action');
  const dialog = d.capabilities.dialog.find((x: any) => x.key === action.target);
  assert.ok(dialog, 'the input action targets a declared dialog');
  assert.equal(dialog.options.primaryAction.name.value, 'Send Invite');

  const events = d.capabilities.webhook.map((w: any) => w.event).sort();
  assert.deepEqual(events, ['room_archived', 'room_deleted', 'room_enter', 'room_message', 'room_unarchived']);
  for (const hook of d.capabilities.webhook) assert.equal(hook.authentication, 'jwt', hook.event);
  // Every message, not only /oncall: while an invite is active the room's messages go to its xMatters event.
  const messages = d.capabilities.webhook.find((w: any) => w.event === 'room_message');
  assert.equal(messages.pattern, undefined);
});

test('a base URL cannot break out of the JSON', () => {
  const d = renderDescriptor('https://x.example.com/a"b');
  assert.equal(d.links.self, 'https://x.example.com/a"b/atlassian-connect.json');
});

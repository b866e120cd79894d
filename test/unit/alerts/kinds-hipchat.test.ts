import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBody, type IntakeBody } from '../../../lib/alerts/body';
import { hipchatDrafts } from '../../../lib/alerts/kinds/hipchat';
import { AddonError } from '../../../lib/errors';
import { alertPayload } from '../../helpers/alerts';

const json = (value: unknown): IntakeBody => ({ type: 'json', value });
const one = (body: IntakeBody) => {
  const drafts = hipchatDrafts(body);
  assert.equal(drafts.length, 1);
  return drafts[0]!;
};

test("Sumo Logic's HipChat connection and Splunk On-Call's outgoing webhook post HipChat bodies that are taken as they are", () => {
  const sumo = one(json(alertPayload('sumo-logic/hipchat-notification-monitor-critical.json')));
  assert.deepEqual(sumo.notice, {
    text: 'Sumo Logic Alert: Critical Checkout errors: Greater than or equal to 1.0 in the last 15 minutes (07/13/2021 03:21:32 PM UTC to 07/13/2021 03:36:32 PM UTC)',
    format: 'text',
    color: 'red',
    notify: true,
  });
  const splunk = one(json(alertPayload('splunk-on-call/hipchat-outgoing-webhook.json')));
  assert.deepEqual(splunk.notice, { text: 'Critically Low Disk Space on DB01', format: 'text', color: 'red', notify: true });
  assert.equal(splunk.summary, 'Critically Low Disk Space on DB01');
  assert.equal(splunk.fields.text(['COLOR']), 'red', 'rules read the body, ignoring case');
});

// docs/hipchat-connect.md §5: html and yellow by default, notify false, JSON, forms and text bodies.
test("HipChat's defaults and body types", () => {
  const plain = one(json({ message: 'Build <b>42</b> failed' }));
  assert.deepEqual(plain.notice, { text: 'Build <b>42</b> failed', format: 'html', color: 'yellow', notify: false });
  assert.equal(plain.summary, 'Build 42 failed');
  const form = one(readBody(Buffer.from('message=Deploy+done&color=green&notify=true&message_format=text&from=CI'), 'application/x-www-form-urlencoded'));
  assert.deepEqual(form.notice, { text: 'Deploy done', format: 'text', color: 'green', notify: true, from: 'CI' });
  assert.deepEqual(one(readBody(Buffer.from('Disk <i>full</i>'), 'text/html')).notice, { text: 'Disk <i>full</i>', format: 'html', color: 'yellow', notify: false });
  assert.deepEqual(one(readBody(Buffer.from('Disk full'), 'text/plain')).notice, { text: 'Disk full', format: 'text', color: 'yellow', notify: false });
  const random = one(json({ message: 'x', color: 'random' })).notice.color;
  assert.ok(['yellow', 'green', 'red', 'purple', 'gray'].includes(random), random);
  assert.equal(one(json({ message: 'x', from: 'f'.repeat(64) })).notice.from, 'f'.repeat(64));
});

test('a card comes along with its title, link, description and lozenges; a link that is not http(s) is dropped', () => {
  const { notice } = one(
    json({
      message: 'Build failed',
      card: {
        style: 'application',
        id: 'build-42',
        title: 'Build #42',
        url: 'https://ci.example.com/42',
        description: { value: '<b>3</b> tests failed', format: 'html' },
        attributes: [{ label: 'Status', value: { label: 'failed', style: 'lozenge-error' } }, { value: { label: 'main', style: 'weird' } }],
      },
    }),
  );
  assert.deepEqual(notice.card, {
    id: '',
    title: 'Build #42',
    description: '<b>3</b> tests failed',
    descriptionFormat: 'html',
    url: 'https://ci.example.com/42',
    attributes: [
      { label: 'Status', value: 'failed', style: 'error' },
      { label: '', value: 'main' },
    ],
  });
  const unsafe = one(json({ message: 'x', card: { style: 'link', url: 'javascript:alert(1)', description: 'd' } })).notice.card!;
  assert.equal(unsafe.url, undefined);
  assert.equal(unsafe.title, 'x', 'a card without a title is titled by the message');
});

test('bodies HipChat would refuse are refused, saying what is wrong', () => {
  const refused = (value: unknown, message: RegExp) =>
    assert.throws(() => hipchatDrafts(json(value)), (err: unknown) => err instanceof AddonError && err.status === 400 && err.code === 'invalid_notification' && message.test(err.message), JSON.stringify(value).slice(0, 80));
  refused({}, /^Not a HipChat notification: message is required\.$/);
  refused({ message: '' }, /between 1 and 10000/);
  refused({ message: 'x'.repeat(10_001) }, /between 1 and 10000/);
  refused({ message: 'x', color: 'blue' }, /color must be one of/);
  refused({ message: 'x', notify: 'yes' }, /notify must be true or false/);
  refused({ message: 'x', message_format: 'markdown' }, /message_format must be one of: html, text/);
  refused({ message: 'x', from: 'f'.repeat(65) }, /from is at most 64/);
  refused({ message: 'x', card: 'a card' }, /card must be an object/);
  refused({ message: 'x', card: { style: 'poster' } }, /card.style must be one of/);
  refused([{ message: 'x' }], /a JSON object with a message/);
});

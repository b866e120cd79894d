import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IntakeBody } from '../../../lib/alerts/body';
import { MAX_CHECK_RESULTS, sodaDrafts } from '../../../lib/alerts/kinds/soda';
import { AddonError } from '../../../lib/errors';
import { alertPayload } from '../../helpers/alerts';

const json = (value: unknown): IntakeBody => ({ type: 'json', value });
const one = (file: string) => {
  const drafts = sodaDrafts(json(alertPayload(`soda-cloud/${file}`)));
  assert.equal(drafts.length, 1, file);
  return drafts[0]!;
};

test('check evaluations: the outcome decides the colour; the card links back to the check', () => {
  const fail = one('check-evaluation-fail.json').notice;
  assert.equal(fail.text, 'Soda check failed: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders (sodaspark) — value 0 https://cloud.soda.io/checks/39d706c3-5a48-b');
  assert.equal(fail.color, 'red');
  assert.equal(fail.notify, true);
  assert.equal(fail.card?.url, 'https://cloud.soda.io/checks/39d706c3-5a48-b');
  assert.deepEqual(
    fail.card?.attributes.map((a) => [a.label, a.value, a.style]),
    [
      ['Outcome', 'fail', 'error'],
      ['Dataset', 'bnm_orders', undefined],
      ['Data source', 'sodaspark', undefined],
      ['Column', 'columnName', undefined],
      ['Value', '0', undefined],
    ],
  );
  const warn = one('check-evaluation-warn.json').notice;
  // No `name` in the older payload: the check is named by the last line of its definition.
  assert.match(warn.text, /^Soda check warned: count same as SODATEST_RAWCUSTOMERS_7275c02c in postgres2 on bnm_orders/);
  assert.equal(warn.color, 'yellow');
  assert.equal(warn.notify, false);
  assert.deepEqual(warn.card?.attributes.at(-1), { label: 'Agreement', value: 'My new agreement pending' });
  const pass = one('check-evaluation-pass.json').notice;
  assert.match(pass.text, /^Soda check passed: /);
  assert.equal(pass.color, 'green');
});

test('incidents, in both generations of field names', () => {
  const created = one('incident-created.json').notice;
  assert.equal(created.text, 'Soda incident #196 opened: Invalid customer ids (severity major, status opened) https://cloud.soda.io/incidents/e1f399a3-******-1992d2744ef6');
  assert.equal(created.color, 'red');
  assert.equal(created.notify, true);
  assert.deepEqual(created.card?.attributes.map((a) => `${a.label}: ${a.value}`), ['Severity: major', 'Status: opened', 'Lead: personn@soda.io', 'Reporter: person@soda.io', 'Checks: 1']);
  const resolved = one('incident-updated.json').notice;
  assert.match(resolved.text, /^Soda incident #196 resolved: Invalid customer ids \(severity major, status resolved\)/);
  assert.equal(resolved.color, 'green');
  assert.equal(resolved.notify, false, 'an update does not alert the room');
  assert.match(resolved.card!.description, /Stan is fixing the issue/, 'resolution notes are shown once resolved');
  const v4 = one('incident-created-v4.json').notice;
  assert.match(v4.text, /^Soda incident #196 opened: Invalid customer ids \(severity high, status reported\)/);
  assert.equal(v4.color, 'red');
});

test('contracts, the set-up test event, older agreement events and events not documented', () => {
  const contract = one('contract-published.json').notice;
  assert.equal(contract.text, 'Soda contract published for datasource/db/schema/dataset by person@soda.io.');
  assert.equal(contract.color, 'purple');
  assert.match(contract.card!.description, /^dataset: datasource\/db\/schema\/dataset\ncolumns:/);
  assert.deepEqual(one('validate.json').notice, { text: "Soda Cloud webhook test: the add-on received Soda's validate event (sent 2022-10-01T09:12:10.042323Z).", color: 'gray', notify: false });
  // [SODA-V3] (docs/alerts.md §3.2): agreement{id, sodaCloudUrl, label, testsFile, createdBy|updatedBy{email}}.
  const agreement = sodaDrafts(json({ event: 'agreementCreated', agreement: { id: 'a1', sodaCloudUrl: 'https://cloud.soda.io/agreements/a1', label: 'Orders SLA', createdBy: { email: 'person@soda.io' } } }))[0]!.notice;
  assert.equal(agreement.text, 'Soda agreement created: Orders SLA by person@soda.io https://cloud.soda.io/agreements/a1');
  assert.equal(sodaDrafts(json({ event: 'datasetDeleted' }))[0]!.notice.text, 'Soda Cloud sent a "datasetDeleted" event.');
});

test('each check result of one evaluation is its own alert, reading the payload as if it held that result alone', () => {
  const payload = alertPayload('soda-cloud/check-evaluation-fail.json');
  const [result] = payload.checkResults as Array<Record<string, unknown>>;
  const drafts = sodaDrafts(json({ ...payload, checkResults: [result, { ...result, id: 'second', outcome: 'pass', name: 'row_count > 0' }] }));
  assert.equal(drafts.length, 2);
  assert.equal(drafts[0]!.fields.text(['checkResults', '0', 'outcome']), 'fail');
  assert.equal(drafts[1]!.fields.text(['checkResults', '0', 'outcome']), 'pass');
  assert.match(drafts[1]!.notice.text, /^Soda check passed: row_count > 0/);
  assert.equal(drafts[1]!.fields.get(['checkResults', '1']), undefined);
});

test('what is not a Soda Cloud event is refused, saying what Soda sends', () => {
  const refused = (value: unknown, status: number, message: RegExp) =>
    assert.throws(() => sodaDrafts(json(value)), (err: unknown) => err instanceof AddonError && err.status === status && message.test(err.message), JSON.stringify(value).slice(0, 60));
  refused({ message: 'hello' }, 400, /^Not a Soda Cloud webhook event: the body has no "event" field\. Soda Cloud sends/);
  refused([{ event: 'validate' }], 400, /not a JSON object/);
  refused({ event: 'checkEvaluation', checkResults: [] }, 400, /checkEvaluation has no checkResults/);
  refused({ event: 'checkEvaluation', checkResults: Array(MAX_CHECK_RESULTS + 1).fill({ outcome: 'fail' }) }, 413, /at most 50 check results/);
});

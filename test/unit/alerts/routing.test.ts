import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldReader, parsePath, type FieldPath } from '../../../lib/alerts/paths';
import { compileMatcher, firstMatch, MAX_MATCHED_TEXT, type Matcher } from '../../../lib/alerts/routing';

const matcher = (field: string, op: 'equals' | 'contains' | 'matches', value: string) => {
  const compiled = compileMatcher(parsePath(field) as FieldPath, op, value);
  assert.equal(typeof compiled, 'object', String(compiled));
  return compiled as Matcher;
};

test('equals, contains and matches ignore case', () => {
  const fields = new FieldReader({ routing_key: 'DevOps', host: 'db01.mycompany.com' });
  assert.ok(matcher('routing_key', 'equals', 'devops').test(fields));
  assert.ok(!matcher('routing_key', 'equals', 'dev').test(fields));
  assert.ok(matcher('host', 'contains', 'MYCOMPANY').test(fields));
  assert.ok(matcher('host', 'matches', '^DB[0-9]+\\.').test(fields));
  assert.ok(!matcher('host', 'matches', '^web').test(fields));
  assert.ok(matcher('missing', 'equals', '').test(fields), 'a missing field is empty text');
});

test('the first matching rule wins; none is -1', () => {
  const fields = new FieldReader({ severity: 'critical', team: 'db' });
  const rules = [matcher('team', 'equals', 'web'), matcher('severity', 'equals', 'critical'), matcher('team', 'equals', 'db')];
  assert.equal(firstMatch(rules, fields), 1);
  assert.equal(firstMatch([rules[0]!], fields), -1);
});

test('patterns RE2 cannot read, or that are too long, are refused with a sentence', () => {
  assert.match(compileMatcher(['a'], 'matches', '(a)\\1') as string, /not a regular expression RE2 reads/);
  assert.match(compileMatcher(['a'], 'matches', '(?=x)') as string, /not a regular expression RE2 reads/);
  assert.match(compileMatcher(['a'], 'matches', '[') as string, /not a regular expression RE2 reads/);
  assert.match(compileMatcher(['a'], 'matches', 'a'.repeat(201)) as string, /longer than 200 characters/);
  assert.equal(typeof compileMatcher(['a'], 'equals', 'a'.repeat(201)), 'object', 'equals and contains take any value');
});

// With a backtracking engine (JavaScript's own RegExp) each of these runs for longer than the universe
// has existed; RE2 matches in time linear in the text. The test's timeout only guards against a hang.
test('catastrophic patterns end', { timeout: 60_000 }, () => {
  const fields = new FieldReader({ text: `${'a'.repeat(MAX_MATCHED_TEXT - 1)}!` });
  for (const pattern of ['(a+)+$', '(a|aa)+$', '(a*)*b', '^(([a-z])+.)+[A-Z]([a-z])+$']) {
    assert.equal(matcher('text', 'matches', pattern).test(fields), false, pattern);
  }
});

test(`a pattern looks at the first ${MAX_MATCHED_TEXT} characters of the field`, () => {
  const fields = new FieldReader({ text: `${'x'.repeat(MAX_MATCHED_TEXT)}needle` });
  assert.equal(matcher('text', 'matches', 'needle').test(fields), false);
  assert.equal(matcher('text', 'contains', 'needle').test(fields), true);
});

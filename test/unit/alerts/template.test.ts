import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldReader } from '../../../lib/alerts/paths';
import { compileTemplate, escapeHtml, renderTemplate, TemplateError } from '../../../lib/alerts/template';
import { alertPayload } from '../../helpers/alerts';

const render = (source: string, data: unknown, format: 'text' | 'html' = 'text') => renderTemplate(compileTemplate(source), new FieldReader(data), format);

function refused(source: string, message: RegExp, at: number) {
  assert.throws(() => compileTemplate(source), (err: unknown) => err instanceof TemplateError && message.test(err.message) && err.at === at, source);
}

test("Sumo Logic's own example renders the same here", () => {
  // docs/alerts.md §1.2: "{{ResultsJson.client_ip}} had {{ResultsJson.errors}} errors" → "70.69.152.165 had 391 errors".
  const data = { ResultsJson: JSON.stringify({ client_ip: '70.69.152.165', errors: 391 }) };
  assert.equal(render('{{ResultsJson.client_ip}} had {{ResultsJson.errors}} errors', data), '70.69.152.165 had 391 errors');
});

test('variables ignore case and spaces inside the braces; an unresolved one becomes empty', () => {
  const sumo = alertPayload('sumo-logic/generic-json-monitor-critical.json');
  assert.equal(render('{{ triggertype }}: {{NAME}} ({{NoSuchField}})', sumo), 'Critical: Checkout errors ()');
  assert.equal(render('no variables at all', sumo), 'no variables at all');
});

test('values are HTML-escaped in html and kept as they are in text; the template text is the admin’s', () => {
  const data = { name: '<script>alert("x")</script> & \'co\'' };
  assert.equal(render('<b>{{name}}</b>', data, 'html'), '<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</b>');
  assert.equal(render('<b>{{name}}</b>', data, 'text'), '<b><script>alert("x")</script> & \'co\'</b>');
  assert.equal(escapeHtml('a&b'), 'a&amp;b');
});

test('what cannot be read is refused with the character where it goes wrong', () => {
  refused('Alert {{Name', /"\{\{" at character 7 without a closing "\}\}"/, 7);
  refused('Alert {{Name {{Id}}', /"\{\{" at character 7 without a closing/, 7);
  refused('Alert {Name}} now', /"\}\}" at character 12 without a "\{\{" before it/, 12);
  refused('x {{}} y', /\{\{\}\} at character 3 is not a field name: it is empty/, 3);
  refused('{{a..b}}', /is not a field name: it has an empty name/, 1);
  refused('{{a b}}', /has a space or brace/, 1);
  refused('x'.repeat(2001), /longer than 2000 characters/, 2001);
  refused('{{a}}'.repeat(51), /more than 50 variables/, 251);
});

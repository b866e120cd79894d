import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitMessage, linkUrl, MAX_MESSAGE, plainText } from '../../../lib/alerts/draft';

test("messages are cut to HipChat's length without half a tag or entity", () => {
  assert.equal(fitMessage('short', 'text'), 'short');
  const text = fitMessage('x'.repeat(MAX_MESSAGE + 5), 'text');
  assert.equal(text.length, MAX_MESSAGE);
  assert.ok(text.endsWith('x…'));
  assert.equal(fitMessage(`${'x'.repeat(8)}<b class="a">bold`, 'html', 12), 'xxxxxxxx…');
  assert.equal(fitMessage(`${'x'.repeat(8)}&amp; more`, 'html', 12), 'xxxxxxxx…');
  assert.equal(fitMessage(`${'x'.repeat(8)}<b class="a">bold`, 'text', 12), 'xxxxxxxx<b …');
});

test('plain text of an HTML message', () => {
  assert.equal(plainText('<b>Disk</b> full<br>on &lt;db01&gt; &amp; db02'), 'Disk full\non <db01> & db02');
  assert.equal(plainText('&amp;lt;'), '&lt;', 'decoded once');
});

test('cards link only to http(s) URLs', () => {
  assert.equal(linkUrl(' https://cloud.soda.io/checks/1 '), 'https://cloud.soda.io/checks/1');
  assert.equal(linkUrl('https://service.sumologic.com/ui/#/search/1'), 'https://service.sumologic.com/ui/#/search/1');
  for (const url of ['javascript:alert(1)', 'data:text/html,x', '//evil.example', 'https://', `https://x.example/${'a'.repeat(2000)}`, '']) assert.equal(linkUrl(url), undefined, url);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedText } from '../../lib/text';

describe('isWellFormedText', () => {
  it('takes any language, emoji, tabs and line breaks', () => {
    for (const text of ['Checkout is down', 'Zürich – 東京 😀', 'line one\nline two\r\n\tindented']) assert.ok(isWellFormedText(text), text);
  });

  it('refuses control characters and lone surrogates', () => {
    for (const text of ['a\u0000b', 'a\u0007b', '\u001b[31m', 'a\u007f', 'a\ud800b', '\udfffa', 'a\udc00\ud800']) assert.ok(!isWellFormedText(text), JSON.stringify(text));
  });

  it('refuses what decoders make of bytes that were not UTF-8', () => {
    // Overlong "/" (C0 AF), an encoded surrogate (ED A0 80), a stray byte, a truncated sequence.
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xe2, 0x82]]) {
      const decoded = Buffer.from([0x61, ...bytes]).toString('utf8');
      assert.ok(!isWellFormedText(decoded), JSON.stringify(decoded));
    }
    assert.ok(!isWellFormedText(new URLSearchParams('q=%C0%AF').get('q')!));
  });
});

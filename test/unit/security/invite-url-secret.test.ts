import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { API_KEY_MASK, chooseInviteUrl, hasMaskedApiKey, maskInviteUrl, sealInviteUrl, unsealInviteUrl } from '../../../lib/security/invite-url-secret';
import { createSealer } from '../../../lib/security/seal';

const sealer = createSealer(randomBytes(32));
const BASE = 'https://acme.xmatters.com/api/integration/1/functions/8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53/triggers';
const KEY = 'c2ltLWludml0ZS10by1yb29t';
const WITH_KEY = `${BASE}?apiKey=${KEY}`;
const MASKED = `${BASE}?apiKey=${API_KEY_MASK}`;

test('sealing replaces only the key, which unseals back to the same URL', () => {
  const sealed = sealInviteUrl(WITH_KEY, sealer);
  assert.ok(!sealed.includes(KEY));
  assert.match(sealed, new RegExp(`^${BASE}\\?apiKey=v1\\.[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
  assert.ok(URL.canParse(sealed));
  assert.equal(unsealInviteUrl(sealed, sealer), WITH_KEY);
  assert.notEqual(sealInviteUrl(WITH_KEY, sealer), sealed, 'a fresh IV each time');
});

test('a URL without a key is stored, shown and called as it is', () => {
  assert.equal(sealInviteUrl(BASE, sealer), BASE);
  assert.equal(unsealInviteUrl(BASE, sealer), BASE);
  assert.equal(maskInviteUrl(BASE), BASE);
  assert.equal(hasMaskedApiKey(BASE), false);
});

test('other parameters, their order and the fragment are kept byte for byte', () => {
  const url = `${BASE}?a=1&apiKey=${KEY}&b=x%20y#frag`;
  const sealed = sealInviteUrl(url, sealer);
  assert.match(sealed, /\?a=1&apiKey=v1\.[^&]+&b=x%20y#frag$/);
  assert.equal(unsealInviteUrl(sealed, sealer), url);
  assert.equal(maskInviteUrl(sealed), `${BASE}?a=1&apiKey=${API_KEY_MASK}&b=x%20y#frag`);
});

test('a percent-encoded parameter name is still the key', () => {
  const url = `${BASE}?api%4Bey=${KEY}`;
  assert.equal(new URL(url).searchParams.get('apiKey'), KEY, 'what the trigger reads');
  const sealed = sealInviteUrl(url, sealer);
  assert.ok(!sealed.includes(KEY));
  assert.equal(unsealInviteUrl(sealed, sealer), url);
});

test('masking hides a sealed key and a key stored before sealing alike', () => {
  assert.equal(maskInviteUrl(sealInviteUrl(WITH_KEY, sealer)), MASKED);
  assert.equal(maskInviteUrl(WITH_KEY), MASKED);
  assert.equal(unsealInviteUrl(WITH_KEY, sealer), WITH_KEY, 'a plain stored key still works');
});

test('a masked key is recognised as typed or as the browser encodes it', () => {
  assert.equal(hasMaskedApiKey(MASKED), true);
  assert.equal(hasMaskedApiKey(new URL(MASKED).toString()), true);
  assert.equal(hasMaskedApiKey(`${BASE}?apiKey=•••`), true);
  assert.equal(hasMaskedApiKey(WITH_KEY), false);
});

test('choosing: a pasted URL is taken as it is', () => {
  const stored = sealInviteUrl(WITH_KEY, sealer);
  assert.deepEqual(chooseInviteUrl(`${BASE}?apiKey=new-key`, stored, sealer), { ok: true, url: `${BASE}?apiKey=new-key` });
  assert.deepEqual(chooseInviteUrl(BASE, stored, sealer), { ok: true, url: BASE });
  assert.deepEqual(chooseInviteUrl('not a url', stored, sealer), { ok: true, url: 'not a url' });
});

test('choosing: the URL as shown keeps the saved key', () => {
  const stored = sealInviteUrl(WITH_KEY, sealer);
  assert.deepEqual(chooseInviteUrl(MASKED, stored, sealer), { ok: true, url: WITH_KEY });
  assert.deepEqual(chooseInviteUrl(new URL(MASKED).toString(), stored, sealer), { ok: true, url: WITH_KEY });
  assert.deepEqual(chooseInviteUrl(MASKED, WITH_KEY, sealer), { ok: true, url: WITH_KEY }, 'also a key stored before sealing');
});

test('choosing: a masked URL that differs from the saved one, or with no key saved, is refused', () => {
  const stored = sealInviteUrl(WITH_KEY, sealer);
  const otherFunction = MASKED.replace('8a1f0c3e', '9b2f0c3e');
  for (const input of [otherFunction, MASKED.replace('acme.', 'evil.'), `${MASKED}&x=1`]) {
    const chosen = chooseInviteUrl(input, stored, sealer);
    assert.equal(chosen.ok, false, input);
    assert.match(!chosen.ok ? chosen.message : '', /changed.*paste the full URL with its key again/);
  }
  for (const saved of [null, BASE]) {
    const chosen = chooseInviteUrl(MASKED, saved, sealer);
    assert.equal(chosen.ok, false);
    assert.match(!chosen.ok ? chosen.message : '', /No key is saved.*paste the full URL with its key again/);
  }
});

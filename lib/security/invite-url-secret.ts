import { rewriteQueryValues } from '../query-params';
import type { Sealer } from './seal';

// With URL authentication the Invite to Room URL carries a credential: `?apiKey=<key>`. Only that value
// is sealed, in place, so the stored URL keeps a readable host and path: it can be shown masked and
// compared with what an admin sends back without unsealing anything.

/** What is shown instead of the key. */
export const API_KEY_MASK = '••••••';

/** A value written by Sealer.seal (12-byte IV, 16-byte tag); anything else in the column is a key stored before sealing. */
const SEALED_VALUE = /^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]*$/;
const ONLY_MASK = /^•+$/;

/** The URL with the value of every `apiKey` parameter sealed. */
export function sealInviteUrl(url: string, sealer: Sealer): string {
  return mapApiKeys(url, (raw) => (raw === '' ? raw : sealer.seal(raw)));
}

/** The URL as stored → the URL to call, with its real key. */
export function unsealInviteUrl(stored: string, sealer: Sealer): string {
  return mapApiKeys(stored, (raw) => (SEALED_VALUE.test(raw) ? sealer.unseal(raw) : raw));
}

/** The URL as it may be shown: the key, sealed or not, replaced by API_KEY_MASK. */
export function maskInviteUrl(url: string): string {
  return mapApiKeys(url, (raw) => (raw === '' ? raw : API_KEY_MASK));
}

/** Whether the URL's key is the mask (or bullets left of it), i.e. it is a URL as shown, not as pasted. */
export function hasMaskedApiKey(url: string): boolean {
  let masked = false;
  mapApiKeys(url, (raw, value) => {
    if (ONLY_MASK.test(value)) masked = true;
    return raw;
  });
  return masked;
}

export type InviteUrlChoice = { ok: true; url: string } | { ok: false; message: string };

/**
 * The Invite to Room URL an admin means. A URL as shown (key masked) stands for the stored one, with
 * its key, only when nothing else in it changed; any other input is taken as pasted.
 */
export function chooseInviteUrl(input: string, storedSealed: string | null, sealer: Sealer): InviteUrlChoice {
  if (!URL.canParse(input)) return { ok: true, url: input };
  const sent = new URL(input).toString();
  if (!hasMaskedApiKey(sent)) return { ok: true, url: input };
  if (storedSealed === null || !hasMaskedApiKey(maskInviteUrl(storedSealed))) {
    return { ok: false, message: 'No key is saved for the Invite to Room URL, so the hidden key (••••••) cannot be kept: paste the full URL with its key again.' };
  }
  if (maskInviteUrl(sent) !== maskInviteUrl(storedSealed)) {
    return { ok: false, message: 'The Invite to Room URL changed, but its key is hidden (••••••): paste the full URL with its key again.' };
  }
  return { ok: true, url: unsealInviteUrl(storedSealed, sealer) };
}

/** Rewrites the raw value of every `apiKey` parameter (its name compared decoded, as the trigger reads it). */
function mapApiKeys(url: string, replace: (raw: string, value: string) => string): string {
  return rewriteQueryValues(url, (p) => (p.name === 'apiKey' ? replace(p.rawValue, p.value) : undefined));
}

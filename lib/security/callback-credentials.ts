import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Basic credentials xMatters uses to send responses back. The password is never stored: it is derived
 * from the secrets key, the installation and a per-installation nonce (so it can be put in each
 * trigger's callbacks), and only its SHA-256 is kept to verify incoming callbacks. A new nonce
 * regenerates it. The password is 256 random-looking bits, so a plain hash is enough.
 */
export interface CallbackCredentials {
  username: string;
  nonce: string;
  password: string;
  passwordHash: string;
}

export function createCallbackCredentials(key: Buffer) {
  const derive = (installationId: string, nonce: string) =>
    createHmac('sha256', key).update(`xmatters-callback\0${installationId}\0${nonce}`).digest('base64url');

  return {
    /** Fresh credentials (first save, or "regenerate"). */
    generate(installationId: string): CallbackCredentials {
      const nonce = randomBytes(16).toString('base64url');
      const password = derive(installationId, nonce);
      return { username: `xm-${randomBytes(9).toString('base64url')}`, nonce, password, passwordHash: hashPassword(password) };
    },
    /** The password of stored credentials, for the callbacks of a trigger. */
    passwordFor(installationId: string, nonce: string): string {
      return derive(installationId, nonce);
    },
  };
}

export type CallbackCredentialFactory = ReturnType<typeof createCallbackCredentials>;

export function hashPassword(password: string): string {
  return createHash('sha256').update(password).digest('base64url');
}

/** Constant-time check of a presented password against the stored hash. */
export function passwordMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashPassword(presented));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

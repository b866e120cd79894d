import type { Directory, SimPerson } from './directory';
import { REST_ROLE } from './directory';

export type AuthOutcome =
  | { ok: true; person: SimPerson }
  | { ok: false; status: 401 | 403; message: string };

/** HTTP Basic against the directory: 401 for unknown users or wrong passwords, 403 without the REST role (docs §1.1). */
export function authenticateBasic(directory: Directory, header: string | undefined): AuthOutcome {
  const credentials = parseBasic(header);
  if (!credentials) return { ok: false, status: 401, message: 'Authentication is required. Send HTTP Basic credentials.' };
  const login = credentials.username.toLowerCase();
  const person = directory.people.find((p) => p.webLogin.toLowerCase() === login);
  if (!person || person.password === undefined || person.password !== credentials.password || person.status !== 'ACTIVE') {
    return { ok: false, status: 401, message: 'The user name or password is not valid.' };
  }
  if (!person.roles.includes(REST_ROLE)) {
    return { ok: false, status: 403, message: 'The user does not have permission to access the REST API.' };
  }
  return { ok: true, person };
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

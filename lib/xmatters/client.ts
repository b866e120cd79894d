import type { AxiosInstance } from 'axios';
import { XMattersError, type XMattersErrorCode } from './errors';
import type { Scheme } from './hostname';
import type { Recipient } from './rank';
import { type RestContext, getJson } from './rest';
import { displayNameOf, groupSchema, pageSchema, personSchema, personWithDevicesSchema } from './schemas';
import { searchRecipients } from './search';
import { type EventQuery, type UserResponse, type XMattersEvent, addComment, findEvents, listResponses } from './events';
import { type TriggerBody, trigger } from './trigger';
import { type OnCallNow, whoIsOnCall } from './on-call';

export interface XMattersClientOptions {
  /** Bare host[:port], as returned by parseHostname. */
  hostname: string;
  scheme: Scheme;
  username: string;
  password: string;
  /** From createOutboundHttp with XMATTERS_ALLOWED_HOSTS. */
  http: AxiosInstance;
}

export interface XMattersPerson {
  id: string;
  targetName: string;
  firstName: string;
  lastName: string;
  displayName: string;
}

export type AuthenticationResult =
  /** `warning`: signed in, but something will not work (e.g. the user can see nobody to invite). */
  | { ok: true; person: XMattersPerson | null; message: string; warning?: string }
  | { ok: false; code: XMattersErrorCode; status?: number; message: string; retryAfterSeconds?: number };

export interface XMattersClient {
  readonly baseUrl: string;
  /** The integration user the client signs in as. */
  readonly username: string;
  testAuthentication(): Promise<AuthenticationResult>;
  searchRecipients(query: string, options?: { limit?: number }): Promise<Recipient[]>;
  trigger(inviteUrl: string, body: TriggerBody): Promise<{ requestId: string }>;
  /** A person by targetName with their first email address; undefined when xMatters has no such person. */
  getPerson(targetName: string): Promise<{ targetName: string; displayName: string; email: string | null } | undefined>;
  findEvents(query: EventQuery): Promise<XMattersEvent[]>;
  addComment(eventId: string, comment: string): Promise<string>;
  /** Who a group reaches now, step by step; `found: false` when xMatters has no such group (visible to the user). */
  whoIsOnCall(groupName: string): Promise<OnCallNow>;
  /** Every response given on the event (user deliveries), for reconciling missed callbacks. */
  listResponses(eventId: string): Promise<UserResponse[]>;
}

export function createXMattersClient(options: XMattersClientOptions): XMattersClient {
  const { hostname, scheme, username, password, http } = options;
  const ctx: RestContext = { http, baseUrl: `${scheme}://${hostname}/api/xm/1`, host: hostname, username, password };
  return {
    baseUrl: ctx.baseUrl,
    username,
    testAuthentication: () => testAuthentication(ctx),
    searchRecipients: (query, { limit = 20 } = {}) => searchRecipients(ctx, query, limit),
    trigger: (inviteUrl, body) => trigger({ http, hostname, username, password }, inviteUrl, body),
    getPerson: (targetName) => getPerson(ctx, targetName),
    findEvents: (query) => findEvents(ctx, query),
    addComment: (eventId, comment) => addComment(ctx, eventId, comment),
    whoIsOnCall: (groupName) => whoIsOnCall(ctx, groupName),
    listResponses: (eventId) => listResponses(ctx, eventId),
  };
}

/** `GET /people?webLogin={username}`: 200 signed in, 401 wrong password, 403 missing role (docs §1.1). */
async function testAuthentication(ctx: RestContext): Promise<AuthenticationResult> {
  try {
    const page = await getJson(ctx, `${ctx.baseUrl}/people`, { webLogin: ctx.username }, pageSchema(personSchema));
    const found = page.data[0];
    const warning = await directoryWarning(ctx);
    if (!found) {
      return {
        ok: true,
        person: null,
        message:
          `xMatters accepted the credentials, but no person with the user ID "${ctx.username}" is visible to them. ` +
          'That is expected when signing in with an API key; otherwise check the user ID.',
        ...(warning ? { warning } : {}),
      };
    }
    const person: XMattersPerson = {
      id: found.id,
      targetName: found.targetName,
      firstName: found.firstName ?? '',
      lastName: found.lastName ?? '',
      displayName: displayNameOf(found),
    };
    return { ok: true, person, message: `Signed in to xMatters as ${person.displayName} (${person.targetName}).`, ...(warning ? { warning } : {}) };
  } catch (error) {
    if (!(error instanceof XMattersError)) throw error;
    return {
      ok: false,
      code: error.code,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  }
}

/**
 * xMatters shows a user without the rights to see people or groups an empty list, not a 403 (E19): an
 * integration user like that signs in but finds nobody to invite.
 */
async function directoryWarning(ctx: RestContext): Promise<string | undefined> {
  const [people, groups] = await Promise.all([
    getJson(ctx, `${ctx.baseUrl}/people`, { limit: 1 }, pageSchema(personSchema)),
    getJson(ctx, `${ctx.baseUrl}/groups`, { limit: 1 }, pageSchema(groupSchema)),
  ]);
  if (people.data.length > 0 || groups.data.length > 0) return undefined;
  return (
    `${ctx.username} signed in, but can see no people and no groups in xMatters, so nobody could be invited. ` +
    'Give the integration user a role that may view users and groups (for example REST Web Service User with those permissions), or check the user.'
  );
}

async function getPerson(ctx: RestContext, targetName: string) {
  try {
    const person = await getJson(ctx, `${ctx.baseUrl}/people/${encodeURIComponent(targetName)}`, { embed: 'devices' }, personWithDevicesSchema);
    const email = person.devices?.data.find((d) => d.deviceType === 'EMAIL' && d.emailAddress)?.emailAddress ?? null;
    return { targetName: person.targetName, displayName: displayNameOf(person), email };
  } catch (error) {
    if (error instanceof XMattersError && error.status === 404) return undefined;
    throw error;
  }
}

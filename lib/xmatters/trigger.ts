import type { AxiosInstance } from 'axios';
import { XMattersError } from './errors';
import { inviteUrlProblem } from './invite-url';
import { notXMatters, triggerError } from './status-errors';
import { send } from './transport';

// POST to the "Invite to room" inbound integration (docs/xmatters.md §2). The answer only means
// "accepted for processing"; what happens next arrives later as callbacks (§3).

export type TriggerRecipient = { targetName: string } | { id: string; recipientType: 'PERSON' | 'GROUP' };

export interface TriggerCallback {
  url: string;
  type: 'status' | 'deliveryStatus' | 'response';
  authType: 'basic';
  authUserName: string;
  authPassword: string;
}

export interface TriggerBody {
  properties: Record<string, string>;
  recipients: TriggerRecipient[];
  priority?: 'LOW' | 'MEDIUM' | 'HIGH';
  callbacks?: TriggerCallback[];
}

export interface TriggerTarget {
  http: AxiosInstance;
  hostname: string;
  username: string;
  password: string;
}

export async function trigger(target: TriggerTarget, inviteUrl: string, body: TriggerBody): Promise<{ requestId: string }> {
  const url = URL.canParse(inviteUrl) ? new URL(inviteUrl) : undefined;
  const problem = url ? inviteUrlProblem(url, target.hostname) : 'The Invite to Room URL is not a web address.';
  if (!url || problem) throw new XMattersError('invalid_invite_url', problem ?? 'The Invite to Room URL is not valid.');

  // With URL authentication the key is in the URL, and the password is not sent at all.
  const auth = url.searchParams.has('apiKey') ? ('apiKey' as const) : ('basic' as const);
  const res = await send(target.http, {
    method: 'POST',
    url: url.toString(),
    data: body,
    headers: { 'Content-Type': 'application/json' },
    ...(auth === 'basic' ? { auth: { username: target.username, password: target.password } } : {}),
  });
  if (res.status >= 200 && res.status <= 299) {
    const requestId = (res.json as { requestId?: unknown } | undefined)?.requestId;
    if (typeof requestId === 'string' && requestId !== '') return { requestId };
    if (res.html || res.json === undefined) throw notXMatters(res, url.host);
    throw new XMattersError(
      'unexpected',
      `xMatters accepted the invite (${res.status}) but did not return a requestId. Check the integration's Activity panel in xMatters.`,
      { status: res.status },
    );
  }
  throw triggerError(res, url.host, auth);
}

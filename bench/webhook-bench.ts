import type { Child, Usage } from './ipc';
import { exchange, keepAliveAgent } from './http';
import { runLoad, type LoadResult, type RequestShape } from './load';
import { PARAMS } from './params';
import { pick, type SignedFor } from './tokens';

// Signed webhooks as HipChat sends them, against the add-on and against a bare Express 5 app that
// parses the same JSON and answers 204. On a shared machine a ratio is only fair between runs close in
// time, so the rows run in rounds: the baseline, then each server, and every figure is a ratio to the
// baseline of its own round.

export type WebhookKind = 'ack' | 'enter' | 'help';

export interface Server {
  label: string;
  child: Child<{ baseUrl: string }>;
  kind: WebhookKind;
}

export interface Measured {
  result: LoadResult;
  /** CPU of the server's process over the measured stretch, µs. */
  serverCpuMicros: number;
}

export interface Round {
  baseline: Measured;
  rows: Map<string, Measured>;
}

const P = PARAMS.webhook;
const EVENT: Record<WebhookKind, string> = { ack: 'room_exit', enter: 'room_enter', help: 'room_message' };
const STATUS: Record<WebhookKind, number> = { ack: 204, enter: 204, help: 200 };

/** The webhook HipChat posts for `t`'s room and user (docs/hipchat-connect.md §7). */
export function webhookRequest(kind: WebhookKind, t: SignedFor, messageId: string): RequestShape {
  const user = { id: t.userId, name: `User ${t.userId}`, mention_name: `user${t.userId}` };
  const room = { id: t.roomId, name: `Room ${t.roomId}` };
  const item = kind === 'help' ? { room, message: { id: messageId, message: '/oncall help', from: user, type: 'message', mentions: [] } } : { room, sender: user };
  return {
    method: 'POST',
    path: `/webhooks/${EVENT[kind]}?signed_request=${t.token}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event: EVENT[kind], item, oauth_client_id: t.oauthId, webhook_id: 1 }),
  };
}

/** One load run against `child`; `profile` names a CPU profile of the measured stretch (BENCH_CPU_PROF). */
export async function measure(child: Child<{ baseUrl: string }>, kind: WebhookKind, tokens: readonly SignedFor[], profile?: { dir: string; name: string; files: string[] }): Promise<Measured> {
  let before = 0;
  let serverCpuMicros = 0;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const result = await runLoad(
    {
      baseUrl: child.info.baseUrl,
      connections: P.connections,
      warmupSeconds: P.warmupSeconds,
      seconds: P.seconds,
      expectStatus: STATUS[kind],
      request: (i) => webhookRequest(kind, pick(tokens, i), `bench-${run}-${i}`),
    },
    {
      before: async () => {
        if (profile) await child.call('profileStart');
        before = (await child.call<Usage>('usage')).cpuMicros;
      },
      after: async () => {
        serverCpuMicros = (await child.call<Usage>('usage')).cpuMicros - before;
        if (profile) profile.files.push(await child.call<string>('profileStop', { dir: profile.dir, name: profile.name }));
      },
    },
  );
  return { result, serverCpuMicros };
}

export async function benchWebhooks(bare: Child<{ baseUrl: string }>, servers: Server[], tokens: readonly SignedFor[]): Promise<Round[]> {
  // One unrecorded run each first: every JWT's installation in the caches, the code paths compiled.
  await measure(bare, 'ack', tokens);
  for (const server of servers) await measure(server.child, server.kind, tokens);
  const rounds: Round[] = [];
  for (let r = 0; r < P.rounds; r++) {
    const baseline = await measure(bare, 'ack', tokens);
    const rows = new Map<string, Measured>();
    for (const server of servers) rows.set(server.label, await measure(server.child, server.kind, tokens));
    rounds.push({ baseline, rows });
  }
  return rounds;
}

/**
 * Before any row: a signed webhook is accepted, and the same one with a forged signature, a page token
 * or another room in the body is refused: proof that the rows measure the real checks.
 */
export async function checkTheAddonVerifies(baseUrl: string, t: SignedFor, pageToken: string): Promise<void> {
  const agent = keepAliveAgent(1);
  const send = (shape: RequestShape) => exchange(agent, { method: 'POST', url: new URL(shape.path, baseUrl), headers: shape.headers, body: shape.body, keepBody: true });
  try {
    const good = await send(webhookRequest('ack', t, 'check'));
    if (good.status !== 204) throw new Error(`a signed room_exit got HTTP ${good.status} from ${baseUrl}: ${good.body}`);
    const refusals: Array<[string, SignedFor, number]> = [
      ['a forged signature', { ...t, token: `${t.token.slice(0, t.token.lastIndexOf('.') + 1)}${'A'.repeat(43)}` }, 401],
      ["the add-on's own page token", { ...t, token: pageToken }, 401],
      ['a body about another room', { ...t, roomId: t.roomId + 1 }, 403],
    ];
    for (const [what, forged, status] of refusals) {
      const bad = await send(webhookRequest('ack', forged, 'check'));
      if (bad.status !== status) throw new Error(`a room_exit with ${what} got HTTP ${bad.status}, not ${status}`);
    }
  } finally {
    agent.destroy();
  }
}

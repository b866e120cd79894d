import type { Db } from '../../lib/store/db';
import { changes, snapshotter, type Snapshot } from './db-snapshot';
import { send, sendBytes, type Answer, type Attempt } from './raw-http';

/**
 * Table-driven attacks on the add-on's endpoints: each case is one request, and the runner checks its
 * answer (never a 5xx; a refusal is a 4xx that says why, as JSON or as an HTML page) and that the whole
 * database is as it was.
 */

/** What a case must get. */
export type Expect =
  /** A 4xx that says why: `{error:{code,message}}`, or the HTML error page for the pages HipChat frames. */
  | { refused: 'json' | 'page'; status?: number[]; code?: string }
  /** Not an error (the input is ignored or answered in kind); `stores` lists the rows it may add per table. */
  | { answered: number[]; stores?: Record<string, number> };

export interface Case {
  name: string;
  /** A request, or raw bytes for what no HTTP client sends. */
  attempt: Attempt | { raw: Buffer | string };
  /** Overrides the table's expectation. */
  expect?: Expect;
}

export interface Probe {
  baseUrl: string;
  db: Db;
  /** Log lines written so far (the add-on's pino output). */
  logs: string[];
  /** Values no answer may ever contain. */
  secrets: () => string[];
}

/** Counts over a whole file, for the summary line and the floor. */
export class Tally {
  cases = 0;
  serverErrors = 0;
  refused = 0;

  summary(area: string): string {
    const n = (v: number) => v.toLocaleString('en-US');
    return `bad input (${area}): ${n(this.cases)} cases, ${n(this.serverErrors)} 5xx, ${n(this.refused)} refused with a clear 4xx`;
  }
}

const snapshotters = new WeakMap<Db, Promise<() => Promise<Snapshot>>>();

/** Runs the cases one by one (each is compared with a snapshot of its own) and returns what went wrong, one line per failure. */
export async function runCases(probe: Probe, tally: Tally, expect: Expect, cases: Case[]): Promise<string[]> {
  if (!snapshotters.has(probe.db)) snapshotters.set(probe.db, snapshotter(probe.db));
  const snapshot = await snapshotters.get(probe.db)!;
  const failures: string[] = [];
  const logsBefore = probe.logs.length;
  // Nothing else writes between two cases (the delivery queue is stopped), so each case's "after" is the next one's "before".
  let before = await snapshot();
  for (const c of cases) {
    let answer: Answer;
    try {
      answer = 'raw' in c.attempt ? await sendBytes(probe.baseUrl, c.attempt.raw) : await send(probe.baseUrl, c.attempt);
    } catch (err) {
      failures.push(`${c.name}: no answer (${(err as Error).message})`);
      tally.cases++;
      before = await snapshot();
      continue;
    }
    tally.cases++;
    if (answer.status >= 500) tally.serverErrors++;
    const wanted = c.expect ?? expect;
    const problems = checkAnswer(answer, wanted, probe.secrets());
    if ('refused' in wanted && problems.length === 0) tally.refused++;
    const after = await snapshot();
    const changed = changes(before, after);
    before = after;
    const allowed = 'answered' in wanted ? (wanted.stores ?? {}) : {};
    for (const [table, diff] of changed) {
      if (diff.removed.length === 0 && diff.added.length === (allowed[table] ?? 0)) continue;
      problems.push(`changed ${table}: +${diff.added.length} -${diff.removed.length} ${(diff.added[0] ?? diff.removed[0] ?? '').slice(0, 300)}`);
    }
    for (const [table, n] of Object.entries(allowed)) {
      if (!changed.has(table) && n > 0) problems.push(`expected ${n} new row(s) in ${table}, none were stored`);
    }
    if (problems.length) failures.push(`${c.name}: ${answer.status} ${answer.text.slice(0, 300)} — ${problems.join('; ')}`);
  }
  // A 5xx is logged at error level; so is anything that escaped a handler.
  const errors = probe.logs.slice(logsBefore).filter((line) => /"level":(50|60)/.test(line));
  for (const line of errors.slice(0, 5)) failures.push(`logged an error: ${line.slice(0, 500)}`);
  const health = await send(probe.baseUrl, { method: 'GET', path: '/healthz' });
  if (health.status !== 200) failures.push(`the add-on stopped answering /healthz (${health.status})`);
  return failures;
}

function checkAnswer(answer: Answer, expect: Expect, secrets: string[]): string[] {
  const problems: string[] = [];
  for (const secret of secrets) if (secret && answer.text.includes(secret)) problems.push('the answer contains a secret');
  if ('answered' in expect) {
    if (!expect.answered.includes(answer.status)) problems.push(`expected ${expect.answered.join(' or ')}`);
    return problems;
  }
  const { status } = answer;
  if (status < 400 || status >= 500) return [...problems, `expected a 4xx refusal`];
  if (expect.status && !expect.status.includes(status)) problems.push(`expected ${expect.status.join(' or ')}`);
  const type = String(answer.headers['content-type'] ?? '');
  if (expect.refused === 'page') {
    if (!type.startsWith('text/html')) return [...problems, `expected an HTML page, got ${type || 'no content type'}`];
    const message = /<p class="error-text">([^<]*)<\/p>/.exec(answer.text)?.[1];
    if (!message || !isSentence(message)) problems.push('the page does not say why');
    return problems;
  }
  if (!type.startsWith('application/json')) return [...problems, `expected JSON, got ${type || 'no content type'}`];
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [...problems, 'the body is not JSON'];
  }
  const { code, message } = body.error ?? {};
  if (typeof code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(code)) problems.push('no error.code');
  else if (expect.code && code !== expect.code) problems.push(`expected code ${expect.code}`);
  if (typeof message !== 'string' || !isSentence(message)) problems.push('error.message is not a sentence');
  return problems;
}

/** Words a person can act on: no stack, no stray "undefined" (zod's "received undefined" says what was missing), no "[object Object]". */
function isSentence(message: string): boolean {
  const text = message.trim().replace(/received undefined/g, 'received nothing');
  return text.length >= 10 && /\s/.test(text) && !/\bundefined\b|\[object Object\]|\n\s+at |^\w*Error\b/.test(text);
}

import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { after, before, test } from 'node:test';
import { HIPCHAT_LIMITS } from '../../lib/hipchat/budget';
import { isPg } from '../../lib/store/clock';
import { windowCount } from '../../lib/store/hipchat-calls';
import { housekeepingDeletes } from '../../lib/store/jobs';
import { queueDatabase, type QueueDatabase } from '../helpers/queue';

/**
 * Housekeeping and HipChat's rate windows read ranges of an index, never whole tables: the query plans
 * of both databases (EXPLAIN QUERY PLAN on SQLite; EXPLAIN on PostgreSQL with sequential scans
 * disabled, so a plan that still has one has no index to use).
 */
let q: QueueDatabase;

before(async () => {
  q = await queueDatabase();
  // Rows enough for the planners to weigh one index against another, as on a database in use.
  const now = Date.now();
  const states = ['done', 'done', 'done', 'failed', 'pending', 'running'];
  const jobs = Array.from({ length: 3000 }, (_, i) => ({
    kind: 'room.notice', installation_id: q.installationId, room_id: 100 + (i % 20), payload: '{}', state: states[i % states.length],
    attempts: 1, max_attempts: 10, run_at: now - i * 1000, created_at: now - i * 1000, updated_at: now - i * 1000,
  }));
  const seen = Array.from({ length: 3000 }, (_, i) => ({ installation_id: q.installationId, event_key: `plan:${i}`, created_at: now - i * 60_000 }));
  const calls = Array.from({ length: 3000 }, (_, i) => ({ installation_id: q.installationId, room_id: 100 + (i % 20), notification: i % 2 === 0, state: 'made', at: now - i * 1000 }));
  for (const [table, rows] of [['jobs', jobs], ['seen_events', seen], ['hipchat_calls', calls]] as const) {
    for (let i = 0; i < rows.length; i += 200) await q.db(table).insert(rows.slice(i, i + 200));
  }
  await q.db.raw('analyze');
});
after(() => q.close());

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  Plans?: PgPlanNode[];
}

/** How the database reads `table` for the query: the plan lines (SQLite) or nodes (PostgreSQL) that touch it. */
async function accessPaths(db: Knex, query: Knex.QueryBuilder, table: string): Promise<string[]> {
  const { sql, bindings } = query.toSQL();
  if (!isPg(db)) {
    const rows = (await db.raw(`explain query plan ${sql}`, bindings)) as Array<{ detail: string }>;
    return rows.map((row) => row.detail).filter((detail) => new RegExp(`^(SCAN|SEARCH) ${table}\\b`).test(detail));
  }
  return db.transaction(async (trx) => {
    await trx.raw('set local enable_seqscan = off');
    const plan = (await trx.raw(`explain (format json) ${sql}`, bindings)).rows[0]['QUERY PLAN'][0].Plan as PgPlanNode;
    const nodes: PgPlanNode[] = [];
    const walk = (node: PgPlanNode) => {
      nodes.push(node);
      node.Plans?.forEach(walk);
    };
    walk(plan);
    // A bitmap index scan names the index, its heap scan the table.
    return nodes.filter((node) => node['Relation Name'] === table || (node['Node Type'] === 'Bitmap Index Scan' && nodes.some((n) => n['Relation Name'] === table))).map((node) => `${node['Node Type']} ${node['Index Cond'] ?? ''}`);
  });
}

async function assertIndexRange(query: Knex.QueryBuilder, table: string, column: string) {
  const paths = await accessPaths(q.db, query, table);
  assert.ok(paths.length > 0, `the plan reads ${table}: ${query.toString()}`);
  for (const path of paths) assert.doesNotMatch(path, /^(SCAN|Seq Scan)\b/, `${table} is not scanned: ${path}`);
  assert.ok(
    paths.some((path) => new RegExp(`\\b${column}\\s*[<>]`).test(path)),
    `${table} is read as a range of ${column} on an index: ${paths.join(' | ')}`,
  );
}

test('housekeeping deletes old jobs, event keys and HipChat calls through indexes', async () => {
  const [doneJobs, failedJobs, seenEvents, calls] = housekeepingDeletes(q.db);
  await assertIndexRange(doneJobs!, 'jobs', 'updated_at');
  await assertIndexRange(failedJobs!, 'jobs', 'updated_at');
  await assertIndexRange(seenEvents!, 'seen_events', 'created_at');
  await assertIndexRange(calls!, 'hipchat_calls', 'at');
});

test("the rate windows count an installation's calls and a room's notifications through indexes", async () => {
  await assertIndexRange(windowCount(q.db, q.installationId, HIPCHAT_LIMITS.perInstallation), 'hipchat_calls', 'at');
  await assertIndexRange(windowCount(q.db, q.installationId, HIPCHAT_LIMITS.perRoomNotifications, 100), 'hipchat_calls', 'at');
});

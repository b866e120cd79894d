import type { Db } from '../../lib/store/db';
import type { HipChatSim } from '../../sim/hipchat/server';
import type { XMattersSim } from '../../sim/xmatters/server';
import type { RoomSetUp } from './setup';

/** What the add-on accepted (answered 2xx), and what the run did to it. */
/** Jobs due later by design: the read-backs of responses and each invite's nudge (minutes after it). */
const SCHEDULED = ['xmatters.reconcile', 'invite.nudge'];

export interface Sent {
  /** By invite id. */
  invites: Map<string, { n: number; roomId: number; responder: string }>;
  /** By message text (the alert key). */
  alerts: Map<string, { n: number; roomId: number; alertId: string }>;
  retries: number;
  refused: string[];
  chaos: Promise<void>[];
  kills: Array<{ atSeconds: number; downSeconds: number }>;
  downs: Array<{ name: string; atSeconds: number; seconds: number }>;
}

export interface Counts {
  invitesAccepted: number;
  triggersDelivered: number;
  eventsConfirmed: number;
  responsesGiven: number;
  responsesPosted: number;
  noticesPosted: number;
  alertsAccepted: number;
  alertNotices: number;
  lost: number;
  lostWhat: string[];
  duplicates: Array<{ what: string; count: number; why: string }>;
  jobs: Record<string, number>;
  /** Jobs not finished, oldest first (at most 10). */
  stuck: string[];
  settled: boolean;
  /** Changes while nothing is pending mean it is still moving. */
  signature: string;
}

const SHORT = /invite ([0-9a-f]{8})/;

/** Counts what reached the simulators, against what the add-on accepted. */
export async function tally(hipchat: HipChatSim, xmatters: XMattersSim, db: Db, rooms: RoomSetUp[], sent: Sent): Promise<Counts> {
  const byShort = new Map<string, string>();
  for (const id of sent.invites.keys()) byShort.set(id.slice(0, 8), id);
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  const inviteNotices = new Map<string, number>();
  const responseNotices = new Map<string, number>();
  const failedNotices = new Map<string, number>();
  const alertNotices = new Map<string, number>();
  const repeatNotices = new Map<string, number>();
  for (const room of rooms) {
    for (const notice of hipchat.notifications(room.roomId)) {
      const text = notice.message;
      const alert = /^(Chaos alert \d+: .*?)( \(×\d+\))?$/.exec(text);
      if (alert) {
        bump(alert[2] ? repeatNotices : alertNotices, alert[1]!);
        continue;
      }
      const id = byShort.get(SHORT.exec(text)?.[1] ?? '');
      if (!id) continue;
      if (/ invited .* through xMatters: /.test(text)) bump(inviteNotices, id);
      else if (/ accepted — | accepted \(/.test(text) || / accepted /.test(text)) bump(responseNotices, id);
      else if (text.startsWith('Could not send') || text.includes('made no event')) bump(failedNotices, id);
    }
  }

  const events = new Map<string, number>();
  const responded = new Map<string, number>();
  for (const event of xmatters.events) {
    const id = event.properties.invite_id;
    if (!id || !sent.invites.has(id)) continue;
    bump(events, id);
    if (event.notifications.some((n) => n.response !== null)) bump(responded, id);
  }

  const ids = [...sent.invites.keys()];
  const states = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await db('invites').whereIn('id', ids.slice(i, i + 500)).select('state')) as Array<{ state: string }>;
    for (const row of rows) bump(states, row.state);
  }
  const jobs: Record<string, number> = {};
  // The read-backs of responses (xmatters.reconcile) stay scheduled while an event is active (up to its
  // 180-min expiry), and a nudge is due minutes after its invite: they are not work left over, so they
  // are counted apart.
  for (const row of (await db('jobs').whereNotIn('kind', SCHEDULED).select('state').count({ n: '*' }).groupBy('state')) as Array<{ state: string; n: number | string }>) jobs[row.state] = Number(row.n);
  for (const row of (await db('jobs').whereIn('kind', SCHEDULED).select('state').count({ n: '*' }).groupBy('state')) as Array<{ state: string; n: number | string }>) jobs[`scheduled ${row.state}`] = Number(row.n);

  const stuckRows = (await db('jobs').whereIn('state', ['pending', 'running']).whereNotIn('kind', SCHEDULED).orderBy('id').limit(10)) as Array<Record<string, unknown>>;
  const nowMs = Date.now();
  const stuck = stuckRows.map(
    (j) => `job ${j.id} ${j.kind} room ${j.room_id} ${j.state} attempts ${j.attempts}/${j.max_attempts}, due in ${Math.round((Number(j.run_at) - nowMs) / 1000)} s: ${String(j.last_error ?? '').slice(0, 160)}`,
  );
  const lostWhat: string[] = [];
  const missing = (what: string, list: string[]) => {
    if (list.length > 0) lostWhat.push(`${list.length} ${what}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`);
    return list.length;
  };
  const label = (id: string) => `invite ${sent.invites.get(id)!.n} (${id.slice(0, 8)})`;
  let lost = 0;
  lost += missing('accepted invites never reached xMatters', ids.filter((id) => !events.has(id)).map(label));
  lost += missing('accepted invites without their notice in the room', ids.filter((id) => !inviteNotices.has(id)).map(label));
  lost += missing('responses given in xMatters but not posted in the room', ids.filter((id) => responded.has(id) && !responseNotices.has(id)).map(label));
  lost += missing('invites whose responder was paged but never answered in xMatters', ids.filter((id) => events.has(id) && !responded.has(id)).map(label));
  lost += missing('invites told in the room that they failed', [...failedNotices.keys()].map(label));
  const alertList = [...sent.alerts.keys()];
  lost += missing('accepted alerts without a notice in their room', alertList.filter((m) => !alertNotices.has(m)).map((m) => `alert ${sent.alerts.get(m)!.n}`));
  const confirmed = states.get('confirmed') ?? 0;
  const unconfirmedSettled = (states.get('no_event') ?? 0) + (states.get('failed') ?? 0);
  if (unconfirmedSettled > 0) lostWhat.push(`${unconfirmedSettled} invites ended unconfirmed (no_event or failed)`);
  lost += unconfirmedSettled;

  const extra = (map: Map<string, number>) => [...map.values()].reduce((sum, c) => sum + Math.max(0, c - 1), 0);
  const retriedWebhooks = xmatters.deliveries.filter((d) => d.kind === 'RESPONSE' && d.attempts > 1).length;
  const duplicates = [
    { what: 'double pages (xMatters events per invite beyond one)', count: extra(events), why: 'a trigger whose 202 was lost (timeout or reset after xMatters took it) is sent again when the add-on finds no event for it yet' },
    { what: 'invite notices posted twice', count: extra(inviteNotices), why: 'a notice that reached HipChat but whose answer was lost (timeout after the post, or the add-on killed before marking the job done) is posted again: delivery is at least once' },
    { what: 'response notices posted twice', count: extra(responseNotices), why: `the same, or xMatters sent a response again after its answer was lost (${retriedWebhooks} response webhooks needed more than one attempt)` },
    { what: 'alert notices posted twice', count: extra(alertNotices), why: 'an alert notice that reached HipChat but whose answer was lost is posted again' },
    { what: 'repeat notices "(×N)"', count: [...repeatNotices.values()].reduce((a, b) => a + b, 0), why: 'the monitor posted an alert again because its first answer was lost (the add-on was killed or the connection cut after it stored the alert); dedupe folded it into the first, and the repeat was said in the room' },
  ];

  const pending = (jobs.pending ?? 0) + (jobs.running ?? 0);
  const complete = lost === 0 && pending === 0 && (states.get('sent') ?? 0) + (states.get('pending') ?? 0) === 0;
  const counts: Counts = {
    invitesAccepted: ids.length,
    triggersDelivered: events.size,
    eventsConfirmed: confirmed,
    responsesGiven: responded.size,
    responsesPosted: responseNotices.size,
    noticesPosted: inviteNotices.size,
    alertsAccepted: alertList.length,
    alertNotices: alertNotices.size,
    lost,
    lostWhat,
    duplicates,
    jobs,
    stuck,
    settled: complete,
    signature: JSON.stringify([events.size, responded.size, responseNotices.size, inviteNotices.size, alertNotices.size, jobs, [...states]]),
  };
  return counts;
}

type FailureCounts = NonNullable<ReturnType<HipChatSim['faults']['snapshot']>['random']>['counts'];

export function report(
  c: Counts,
  run: { size: string; seconds: number; chaosSeconds: number; recoverySeconds: number; recovered: boolean; late: boolean; xmatters: XMattersSim; kills: Sent['kills']; downs: Sent['downs']; failures: { hipchat?: FailureCounts; xmatters?: FailureCounts } },
): string {
  const hip = run.failures.hipchat;
  const xm = run.failures.xmatters;
  const failures = (counts: typeof hip) => (counts ? `${counts['5xx'] + counts['429'] + counts.reset + counts.timeout} of ${counts.calls} calls failed (5xx ${counts['5xx']}, 429 ${counts['429']}, reset ${counts.reset}, timeout ${counts.timeout})` : 'no random failures');
  const webhooksGivenUp = run.xmatters.deliveries.filter((d) => !d.ok).length;
  const rows: Array<[string, string | number]> = [
    ['invites accepted (2xx from the add-on)', c.invitesAccepted],
    ['triggers delivered (invites with an xMatters event)', c.triggersDelivered],
    ['events confirmed by the add-on', c.eventsConfirmed],
    ['responses received (given in xMatters → posted in the room)', `${c.responsesGiven} → ${c.responsesPosted}`],
    ['notices posted (invite notices in the rooms)', c.noticesPosted],
    ['alerts accepted → alert notices in the rooms', `${c.alertsAccepted} → ${c.alertNotices}`],
    ['chaos phase (sending, random failures, outages, kills)', `${run.chaosSeconds.toFixed(0)} s`],
    [run.recovered ? 'recovery (faults off, until everything arrived)' : 'recovery (faults off; waited, not everything arrived)', `${run.recoverySeconds.toFixed(0)} s`],
    ['**lost: not arrived after recovery (must be 0)**', `**${c.lost}**`],
    ['duplicates', c.duplicates.reduce((sum, d) => sum + d.count, 0)],
  ];
  const lines = [
    `## Chaos run (${run.size} size): ${c.lost === 0 ? 'nothing lost' : `${c.lost} LOST`}, ${run.seconds.toFixed(0)} s`,
    '',
    '| | |',
    '| --- | ---: |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...(c.lostWhat.length > 0 ? ['Lost (not arrived after recovery):', ...c.lostWhat.map((l) => `- ${l}`), ''] : []),
    'Duplicates, and why each can happen:',
    ...c.duplicates.map((d) => `- ${d.count} ${d.what}: ${d.why}`),
    '',
    'Trouble:',
    `- HipChat: ${failures(hip)}`,
    `- xMatters: ${failures(xm)}`,
    ...run.downs.map((d) => `- ${d.name} down (503 on every API call) for ${d.seconds.toFixed(0)} s from ${d.atSeconds.toFixed(0)} s`),
    ...run.kills.map((k) => `- add-on killed with SIGKILL at ${k.atSeconds.toFixed(0)} s, answering again after ${k.downSeconds.toFixed(1)} s`),
    `- xMatters webhooks to the add-on given up after their retries: ${webhooksGivenUp}`,
    `- jobs at the end: ${Object.entries(c.jobs).map(([state, n]) => `${state} ${n}`).join(', ')}`,
    ...c.stuck.map((j) => `  - ${j}`),
  ];
  return lines.join('\n');
}

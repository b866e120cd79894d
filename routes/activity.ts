import { Router, type Request } from 'express';
import { z } from 'zod';
import { AddonError } from '../lib/errors';
import { contextOf, type JwtMiddleware } from '../lib/hipchat/jwt';
import { requireEditor } from '../lib/hipchat/permissions';
import { ALERT_JOB_KINDS } from '../lib/alerts/intake';
import { JOB_KINDS } from '../lib/invites/service';
import type { XMattersCallback } from '../lib/xmatters/callbacks';
import { listActivity, markRequeued, type ActivityEntry } from '../lib/store/activity';
import type { Db } from '../lib/store/db';
import { findJob, requeueFailedJob } from '../lib/store/jobs';
import { api, parseInput } from './api';

/** The configure tab's activity log (group admins, or a room installation's room owner). */
export interface ActivityRouteDeps {
  jwt: JwtMiddleware;
  db: Db;
  /** Polls the delivery queue now, so that a retried job runs at once. */
  wake(): void;
}

export const ACTIVITY_PAGE = 50;
const WHAT = 'the activity log';

/** What each delivery (by its job's kind) and each callback (by its kind) is, for people. */
const JOB_LABELS: Record<string, string> = {
  [JOB_KINDS.trigger]: 'Invite sent to xMatters',
  [JOB_KINDS.notice]: 'Notice posted in the room',
  [JOB_KINDS.response]: 'Response handled',
  [JOB_KINDS.oncall]: '/oncall invite lookup',
  [JOB_KINDS.who]: '/oncall who lookup',
  [JOB_KINDS.confirm]: 'Event confirmed in xMatters',
  [JOB_KINDS.comment]: 'Comment added in xMatters',
  [ALERT_JOB_KINDS.repeat]: 'Alert repeat notice',
  [ALERT_JOB_KINDS.invite]: 'Alert invite',
};
const CALLBACK_LABELS: Record<XMattersCallback['kind'] | 'unreadable', string> = {
  response: 'Response callback',
  deliveryStatus: 'Delivery status callback',
  status: 'Event status callback',
  comment: 'Comment callback',
  escalation: 'Escalation callback',
  recipientFailure: 'Recipient failure callback',
  other: 'Callback of another kind',
  unreadable: 'Unreadable callback',
};
const labelOf = (source: ActivityEntry['source'], kind: string) => (source === 'callback' ? (CALLBACK_LABELS as Record<string, string>)[kind] : JOB_LABELS[kind]) ?? kind;

const listQuery = z.strictObject({
  before: z.coerce.number({ error: 'before must be an entry id' }).int('before must be an entry id').positive('before must be an entry id').optional(),
  failed: z.enum(['1', '0'], { error: 'failed must be 1 or 0' }).optional(),
});

export function activityRoutes(deps: ActivityRouteDeps): Router {
  const router = Router();
  const base = '/configure/api/activity';

  router.get(
    base,
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const query = parseInput(listQuery, req.query, 'invalid');
      await requireEditor(context, WHAT);
      const entries = await listActivity(deps.db, context.installation.oauthId, {
        limit: ACTIVITY_PAGE + 1,
        ...(query.before === undefined ? {} : { beforeId: query.before }),
        failedOnly: query.failed === '1',
      });
      res.json({ entries: entries.slice(0, ACTIVITY_PAGE).map(entryJson), more: entries.length > ACTIVITY_PAGE });
    }),
  );

  router.post(
    `${base}/jobs/:id/retry`,
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const { editor } = await requireEditor(context, WHAT);
      const installationId = context.installation.oauthId;
      const jobId = jobIdOf(req);
      const job = jobId === undefined ? undefined : await findJob(deps.db, jobId);
      // Another installation's job is answered as one that does not exist.
      if (!job || job.installationId !== installationId) throw new AddonError(404, 'no_such_job', 'There is no such delivery in this installation’s activity log.');
      if (job.state !== 'failed') throw new AddonError(409, 'not_failed', `Only a failed delivery can be retried; this one is ${job.state === 'done' ? 'delivered' : job.state}.`);
      if (!(await requeueFailedJob(deps.db, installationId, job.id))) throw new AddonError(409, 'not_failed', 'The delivery changed meanwhile; refresh the log.');
      await markRequeued(deps.db, installationId, job.id);
      deps.wake();
      context.log.info({ jobId: job.id, kind: job.kind, by: editor.id }, 'failed delivery retried from the activity log');
      res.json({ message: `${labelOf('delivery', job.kind)}: queued again. Refresh to see how it went.` });
    }),
  );
  return router;
}

function jobIdOf(req: Request): number | undefined {
  const id = String(req.params.id);
  return /^[1-9]\d{0,14}$/.test(id) ? Number(id) : undefined;
}

function entryJson(e: ActivityEntry) {
  return {
    id: e.id,
    source: e.source,
    direction: e.source === 'callback' ? 'from xMatters' : e.peer === 'hipchat' ? 'to HipChat' : e.peer === 'xmatters' ? 'to xMatters' : 'queue',
    what: labelOf(e.source, e.kind),
    kind: e.kind,
    roomId: e.roomId,
    subject: e.subject,
    outcome: e.outcome,
    statusCode: e.statusCode,
    error: e.error,
    attempts: e.attempts,
    jobId: e.jobId,
    canRetry: e.source === 'delivery' && e.jobState === 'failed',
    at: new Date(e.updatedAt).toISOString(),
    firstAt: new Date(e.createdAt).toISOString(),
  };
}

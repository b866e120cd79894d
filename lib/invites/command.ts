import type { Logger } from '../logger';
import type { JobHandler } from '../outbox/worker';
import { enqueueJobs, type Job, type NewJob } from '../store/jobs';
import { listRecipients, listRoomInvites, markSeen } from '../store/invites';
import { BROKEN_TEXT, isWellFormedText } from '../text';
import type { Recipient } from '../xmatters/rank';
import { XMattersError } from '../xmatters/errors';
import { anyoneOnCall, describeOnCall, type OnCallNow } from '../xmatters/on-call';
import type { ChatPerson, NoticeColor, RoomEvent } from './chat';
import { recipientStateLabel } from './notices';
import type { ResponseDeps } from './responses';
import { createInvite, JOB_KINDS, MAX_DESCRIPTION, queueNotice } from './service';
import { onTimelineMessage } from './timeline';

/** A reply posted in the room where a command was typed. */
export interface RoomReply {
  text: string;
  color: NoticeColor;
}

/** Where a room event happened, for its handler (the HipChat-neutral part of the request context). */
export interface RoomEventContext {
  installationId: string;
  roomId: number;
  roomName: string | null;
  log: Logger;
}

export const HELP = [
  '/oncall invite <person or group> <description> — page someone through xMatters and invite them into this room',
  '  e.g. /oncall invite bsmith The database is down, please join',
  '  names with spaces in quotes: /oncall invite "Database Admins" Disk full on db-3',
  '/oncall who <group> — who is on call in an xMatters group right now, before you invite it',
  '  e.g. /oncall who "Payments On-Call"',
  '/oncall status — this room\'s recent invites and how each responder answered',
  '/oncall help — this help',
].join('\n');

/** As the "+" dialog's lookup: xMatters searches need at least two characters. */
const MIN_NAME = 2;
const MAX_NAME = 100;

const reply = (text: string, color: NoticeColor = 'gray'): RoomReply => ({ text, color });

type Command =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'invite'; name: string; description: string }
  | { kind: 'who'; group: string }
  | { kind: 'refused'; reply: RoomReply };

/** `/oncall …` read into a command; undefined for a message that is not one. */
export function parseCommand(message: string): Command | undefined {
  if (!/^\/oncall(\s|$)/.test(message)) return undefined;
  const args = message.slice('/oncall'.length).trim();
  const sub = args.split(/\s+/)[0] ?? '';
  switch (sub.toLowerCase()) {
    case 'invite':
      return inviteCommand(args.slice(sub.length).trim());
    case 'status':
      return { kind: 'status' };
    case 'who':
      return whoCommand(args.slice(sub.length).trim());
    default:
      return { kind: 'help' };
  }
}

function inviteCommand(text: string): Command {
  const quoted = /^"([^"]+)"\s*([\s\S]*)$/.exec(text) ?? /^'([^']+)'\s*([\s\S]*)$/.exec(text);
  const [name, description] = quoted ? [quoted[1]!.trim(), quoted[2]!.trim()] : splitFirstWord(text);
  if (!name || !description) return { kind: 'refused', reply: reply(`Say who to invite and why.\n${HELP}`) };
  if (!isWellFormedText(name) || !isWellFormedText(description)) return { kind: 'refused', reply: reply(`The command ${BROKEN_TEXT}.`, 'red') };
  if (name.length < MIN_NAME) return { kind: 'refused', reply: reply(`Type at least ${MIN_NAME} characters of the name to look up, as in the "+" dialog.`, 'yellow') };
  if (name.length > MAX_NAME) return { kind: 'refused', reply: reply(`The name to look up is at most ${MAX_NAME} characters.`, 'yellow') };
  if (description.length > MAX_DESCRIPTION) return { kind: 'refused', reply: reply(`The description is ${description.length} characters; at most ${MAX_DESCRIPTION} fit in an xMatters invite.`, 'red') };
  return { kind: 'invite', name, description };
}

function whoCommand(text: string): Command {
  const group = (/^"([^"]+)"$/.exec(text) ?? /^'([^']+)'$/.exec(text))?.[1]?.trim() ?? text;
  if (!group) return { kind: 'refused', reply: reply(`Name the group, e.g. /oncall who Database.\n${HELP}`) };
  if (!isWellFormedText(group)) return { kind: 'refused', reply: reply(`The command ${BROKEN_TEXT}.`, 'red') };
  if (group.length > MAX_NAME) return { kind: 'refused', reply: reply(`The group name is at most ${MAX_NAME} characters.`, 'yellow') };
  return { kind: 'who', group };
}

function splitFirstWord(text: string): [string, string] {
  const [name = '', ...words] = text.split(/\s+/);
  return [name, words.join(' ').trim()];
}

const NOT_CONFIGURED = "xMatters is not set up for this room yet. A HipChat admin can enter the xMatters settings on the add-on's configure tab.";

/** What an `/oncall invite` leaves for the delivery queue: the lookup, then the invite or an answer. */
interface OncallInvitePayload {
  messageId: string;
  roomName: string | null;
  from: ChatPerson;
  name: string;
  description: string;
}

/**
 * A room message: `/oncall` commands are answered at once from what is known; the xMatters lookup of an
 * invite runs in the delivery queue. Any other message goes to the xMatters timeline (lib/invites/timeline.ts). The message is marked seen in the same transaction as the job it
 * causes, so a command is neither lost nor run twice when HipChat delivers it again.
 */
export async function onRoomMessage(deps: ResponseDeps, ctx: RoomEventContext, event: Extract<RoomEvent, { kind: 'message' }>): Promise<RoomReply | undefined> {
  const command = parseCommand(event.text);
  if (!command) {
    await onTimelineMessage(deps, ctx, event);
    return undefined;
  }
  let answer: RoomReply;
  const jobs: NewJob[] = [];
  switch (command.kind) {
    case 'help':
      answer = reply(HELP);
      break;
    case 'refused':
      answer = command.reply;
      break;
    case 'status':
      answer = await status(deps, ctx);
      break;
    case 'invite': {
      const connection = await deps.connectionFor(ctx.installationId);
      if (!connection?.inviteUrl || !connection.callback) {
        answer = reply(NOT_CONFIGURED, 'red');
        break;
      }
      const payload: OncallInvitePayload = { messageId: event.messageId, roomName: ctx.roomName, from: event.from, name: command.name, description: command.description };
      jobs.push({ kind: JOB_KINDS.oncall, installationId: ctx.installationId, roomId: ctx.roomId, payload, dedupeKey: `oncall:${ctx.installationId}:${event.messageId}`, maxAttempts: 5 });
      answer = reply(`Looking up "${command.name}" in xMatters…`, 'purple');
      break;
    }
    case 'who': {
      const connection = await deps.connectionFor(ctx.installationId);
      if (!connection) {
        answer = reply(NOT_CONFIGURED, 'red');
        break;
      }
      const payload: OncallWhoPayload = { messageId: event.messageId, group: command.group };
      jobs.push({ kind: JOB_KINDS.who, installationId: ctx.installationId, roomId: ctx.roomId, payload, dedupeKey: `oncall-who:${ctx.installationId}:${event.messageId}`, maxAttempts: 5 });
      answer = reply(`Looking up who is on call in "${command.group}"…`, 'purple');
      break;
    }
  }
  const seenKey = `msg:${event.messageId}`;
  // An answer from memory (help, a refusal, status) writes nothing but the key: batched with others.
  const fresh =
    jobs.length === 0
      ? await deps.seen.mark(ctx.installationId, seenKey)
      : await deps.db.transaction(async (trx) => {
          if (!(await markSeen(trx, ctx.installationId, seenKey))) return false;
          await enqueueJobs(trx, jobs);
          return true;
        });
  if (!fresh) {
    ctx.log.info({ messageId: event.messageId }, 'duplicate room_message ignored');
    return undefined;
  }
  if (jobs.length) deps.wake();
  return answer;
}

const labelOf = (r: Recipient) => (r.type === 'GROUP' ? `${r.displayName} (group)` : `${r.displayName} (${r.targetName})`);

/** The queue's half of `/oncall invite`: look the name up, then invite, or say why not. */
export function oncallJobHandler(deps: ResponseDeps): JobHandler {
  const answer = (job: Job, text: string, color: NoticeColor) =>
    queueNotice(deps, job.installationId, job.roomId!, { text, color, notify: false }, `oncall-reply:${job.installationId}:${(job.payload as OncallInvitePayload).messageId}`);
  return {
    async run(job: Job, log: Logger) {
      const p = job.payload as OncallInvitePayload;
      const connection = await deps.connectionFor(job.installationId);
      if (!connection?.inviteUrl || !connection.callback) return answer(job, NOT_CONFIGURED, 'red');
      let candidates: Recipient[];
      try {
        candidates = await connection.client.searchRecipients(p.name, { limit: 10 });
      } catch (err) {
        if (!(err instanceof XMattersError) || err.retryable) throw err;
        log.warn({ code: err.code }, '/oncall lookup refused by xMatters');
        return answer(job, `Could not look up "${p.name}" in xMatters: ${err.message}`, 'red');
      }
      const lower = p.name.toLowerCase();
      const exact = candidates.filter((c) => c.targetName.toLowerCase() === lower || c.displayName.toLowerCase() === lower);
      const chosen = exact.length === 1 ? exact[0] : candidates.length === 1 ? candidates[0] : undefined;
      if (!chosen) {
        if (candidates.length === 0) return answer(job, `No xMatters user or group matches "${p.name}".`, 'yellow');
        const list = candidates.slice(0, 8).map((c) => `  ${c.targetName} — ${labelOf(c)}`).join('\n');
        return answer(job, `"${p.name}" matches several xMatters users or groups; say which one by its exact name:\n${list}`, 'yellow');
      }
      await createInvite(deps, {
        installationId: job.installationId,
        roomId: job.roomId!,
        roomName: p.roomName,
        inviterId: p.from.id,
        inviterName: p.from.name,
        inviterMention: p.from.mentionName,
        description: p.description,
        // The message id: the same command run again (a retried job) makes one invite.
        idempotencyKey: `oncall-${p.messageId}`.slice(0, 100),
        recipients: [{ targetName: chosen.targetName, recipientType: chosen.type, displayName: chosen.displayName }],
      });
      await answer(job, `Inviting ${labelOf(chosen)} through xMatters. Their answer will appear here.`, 'purple');
    },
    async onFailed(job: Job, error: string) {
      const p = job.payload as OncallInvitePayload;
      await answer(job, `Could not look up "${p.name}" in xMatters: ${error}`, 'red');
    },
  };
}

interface OncallWhoPayload {
  messageId: string;
  group: string;
}

/** The queue's half of `/oncall who`: ask xMatters who the group reaches now, and say it in the room. */
export function oncallWhoJobHandler(deps: ResponseDeps): JobHandler {
  const answer = (job: Job, text: string, color: NoticeColor) =>
    queueNotice(deps, job.installationId, job.roomId!, { text, color, notify: false }, `oncall-who-reply:${job.installationId}:${(job.payload as OncallWhoPayload).messageId}`);
  return {
    async run(job: Job, log: Logger) {
      const p = job.payload as OncallWhoPayload;
      const connection = await deps.connectionFor(job.installationId);
      if (!connection) return answer(job, NOT_CONFIGURED, 'red');
      let now: OnCallNow;
      try {
        now = await connection.client.whoIsOnCall(p.group);
      } catch (err) {
        if (!(err instanceof XMattersError) || err.retryable) throw err;
        log.warn({ code: err.code }, '/oncall who lookup refused by xMatters');
        return answer(job, `Could not look up who is on call in "${p.group}": ${err.message}`, 'red');
      }
      await answer(job, describeOnCall(now), !now.found ? 'yellow' : anyoneOnCall(now) ? 'green' : 'red');
    },
    async onFailed(job: Job, error: string) {
      await answer(job, `Could not look up who is on call in "${(job.payload as OncallWhoPayload).group}": ${error}`, 'red');
    },
  };
}

async function status(deps: ResponseDeps, ctx: RoomEventContext): Promise<RoomReply> {
  const invites = await listRoomInvites(deps.db, ctx.installationId, ctx.roomId, 5);
  if (invites.length === 0) return reply('No xMatters invites from this room yet. Start one with the "+" button or /oncall invite.');
  const lines: string[] = [];
  for (const invite of invites) {
    const ago = Math.max(0, Math.round((Date.now() - invite.createdAt) / 60_000));
    const state = invite.state === 'failed' ? ` — FAILED: ${invite.lastError ?? 'unknown error'}` : invite.state === 'pending' ? ' — sending' : '';
    lines.push(`${invite.inviterName ?? 'Someone'}, ${ago} min ago: "${invite.description.slice(0, 120)}" (invite ${invite.id.slice(0, 8)})${state}`);
    for (const recipient of await listRecipients(deps.db, invite.id)) lines.push(`  ${recipientStateLabel(recipient)}`);
  }
  return reply(lines.join('\n'));
}

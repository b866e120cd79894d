import type { Logger } from '../logger';
import { listRecipients, listRoomInvites } from '../store/invites';
import type { Recipient } from '../xmatters/rank';
import { XMattersError } from '../xmatters/errors';
import type { NoticeColor } from './chat';
import { recipientStateLabel } from './notices';
import type { ResponseDeps } from './responses';
import { createInvite, MAX_DESCRIPTION } from './service';

export interface CommandReply {
  text: string;
  color: NoticeColor;
}

export interface CommandContext {
  installationId: string;
  roomId: number;
  roomName: string | null;
  messageId: string;
  from: { id: string; name: string; mentionName: string };
}

export const HELP = [
  '/oncall invite <person or group> <description> — page someone through xMatters and invite them into this room',
  '  e.g. /oncall invite bsmith The database is down, please join',
  '  names with spaces in quotes: /oncall invite "Database Admins" Disk full on db-3',
  '/oncall status — this room\'s recent invites and how each responder answered',
  '/oncall help — this help',
].join('\n');

const reply = (text: string, color: NoticeColor = 'gray'): CommandReply => ({ text, color });

/** Runs `/oncall …` from a room message and answers with the notice HipChat posts back in the room. */
export async function runOncallCommand(deps: ResponseDeps, ctx: CommandContext, message: string, log: Logger): Promise<CommandReply> {
  const args = message.replace(/^\/oncall\b/, '').trim();
  const sub = args.split(/\s+/)[0] ?? '';
  switch (sub.toLowerCase()) {
    case 'invite':
      return invite(deps, ctx, args.slice(sub.length).trim(), log);
    case 'status':
      return status(deps, ctx);
    default:
      return reply(HELP);
  }
}

function splitNameAndDescription(text: string): { name: string; description: string } {
  const quoted = /^"([^"]+)"\s*([\s\S]*)$/.exec(text) ?? /^'([^']+)'\s*([\s\S]*)$/.exec(text);
  if (quoted) return { name: quoted[1]!.trim(), description: quoted[2]!.trim() };
  const [name = '', ...words] = text.split(/\s+/);
  return { name, description: words.join(' ').trim() };
}

const labelOf = (r: Recipient) => (r.type === 'GROUP' ? `${r.displayName} (group)` : `${r.displayName} (${r.targetName})`);

async function invite(deps: ResponseDeps, ctx: CommandContext, text: string, log: Logger): Promise<CommandReply> {
  const { name, description } = splitNameAndDescription(text);
  if (!name || !description) return reply(`Say who to invite and why.\n${HELP}`);
  if (description.length > MAX_DESCRIPTION) return reply(`The description is ${description.length} characters; at most ${MAX_DESCRIPTION} fit in an xMatters invite.`, 'red');

  const connection = await deps.connectionFor(ctx.installationId);
  if (!connection?.inviteUrl || !connection.callback) {
    return reply('xMatters is not set up for this room yet. A HipChat admin can enter the xMatters settings on the add-on\'s configure tab.', 'red');
  }
  let candidates: Recipient[];
  try {
    candidates = await connection.client.searchRecipients(name, { limit: 10 });
  } catch (err) {
    if (!(err instanceof XMattersError)) throw err;
    log.warn({ code: err.code }, '/oncall lookup failed');
    return reply(`Could not look up "${name}" in xMatters: ${err.message}`, 'red');
  }
  const lower = name.toLowerCase();
  const exact = candidates.filter((c) => c.targetName.toLowerCase() === lower || c.displayName.toLowerCase() === lower);
  const chosen = exact.length === 1 ? exact[0] : candidates.length === 1 ? candidates[0] : undefined;
  if (!chosen) {
    if (candidates.length === 0) return reply(`No xMatters user or group matches "${name}".`, 'yellow');
    const list = candidates.slice(0, 8).map((c) => `  ${c.targetName} — ${labelOf(c)}`).join('\n');
    return reply(`"${name}" matches several xMatters users or groups; say which one by its exact name:\n${list}`, 'yellow');
  }

  await createInvite(deps, {
    installationId: ctx.installationId,
    roomId: ctx.roomId,
    roomName: ctx.roomName,
    inviterId: ctx.from.id,
    inviterName: ctx.from.name,
    inviterMention: ctx.from.mentionName,
    description,
    // The message id: HipChat delivering the same message twice makes one invite.
    idempotencyKey: `oncall-${ctx.messageId}`.slice(0, 100),
    recipients: [{ targetName: chosen.targetName, recipientType: chosen.type, displayName: chosen.displayName }],
  });
  return reply(`Inviting ${labelOf(chosen)} through xMatters. Their answer will appear here.`, 'purple');
}

async function status(deps: ResponseDeps, ctx: CommandContext): Promise<CommandReply> {
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

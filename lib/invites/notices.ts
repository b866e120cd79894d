import type { RoomNotice } from './chat';
import type { Invite, InviteRecipient, RecipientType } from '../store/invites';

/** The texts and cards posted to rooms. Each names the invite it belongs to. */

const shortId = (inviteId: string) => inviteId.slice(0, 8);
const inviteRef = (invite: Pick<Invite, 'id'>) => `invite ${shortId(invite.id)}`;

function recipientLabel(r: { displayName: string | null; targetName: string; recipientType: RecipientType }): string {
  if (r.recipientType === 'GROUP') return `${r.displayName ?? r.targetName} (group)`;
  return r.displayName && r.displayName !== r.targetName ? `${r.displayName} (${r.targetName})` : r.targetName;
}

function listOf(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

const inviter = (invite: Invite) => invite.inviterName ?? 'Someone';

export function inviteSentNotice(invite: Invite, recipients: InviteRecipient[]): RoomNotice {
  const who = listOf(recipients.map(recipientLabel));
  return {
    text: `${inviter(invite)} invited ${who} through xMatters: "${invite.description}" (${inviteRef(invite)})`,
    color: 'purple',
    notify: true,
    card: {
      id: `invite-${invite.id}`,
      title: `${inviter(invite)} invited on-call responders`,
      description: invite.description,
      attributes: [
        ...recipients.map((r) => ({ label: r.recipientType === 'GROUP' ? 'Group' : 'Person', value: recipientLabel(r), style: 'current' as const })),
        { label: 'Invite', value: shortId(invite.id) },
      ],
    },
  };
}

export function inviteFailedNotice(invite: Invite, reason: string): RoomNotice {
  return {
    text: `Could not send ${inviter(invite)}'s xMatters invite (${inviteRef(invite)}): ${reason} An admin can check the xMatters settings on the add-on's configure tab.`,
    color: 'red',
    notify: true,
  };
}

/** How an xMatters responder was found to be a HipChat user. */
export type MatchRule = 'email' | 'mention_name';

export interface ResponseFacts {
  displayName: string;
  targetName: string;
  response: string;
  comment: string | null;
  device: string | null;
  /** The responder's HipChat mention name when they are a HipChat user of this group. */
  mention: string | null;
  matchedBy: MatchRule | null;
  /** Whether an admin allowed matching by mention name (so the notice can say which rules were tried). */
  mentionRuleOn: boolean;
  accepted: boolean;
  declined: boolean;
}

export function responseNotice(invite: Invite, r: ResponseFacts): RoomNotice {
  const verb = r.accepted ? 'accepted' : r.declined ? 'declined' : `responded "${r.response}"`;
  const who = r.mention ? `@${r.mention}` : `${r.displayName} (${r.targetName})`;
  const comment = r.comment ? ` — '${r.comment}'` : '';
  const device = r.device ? ` (${r.device})` : '';
  const tried = r.mentionRuleOn ? 'e-mail address or a mention name equal to their xMatters user ID' : 'e-mail address';
  const notUser = r.accepted && !r.mention ? ` No HipChat user of this group has the same ${tried}, so ${r.displayName} was not invited into the room.` : '';
  const rule = r.matchedBy === 'email' ? ' (matched to HipChat by e-mail address)' : r.matchedBy === 'mention_name' ? ` (matched to HipChat by mention name = xMatters user ID ${r.targetName}, as an admin allowed)` : '';
  return {
    text: `${who} ${verb}${comment}${device} — ${inviteRef(invite)}.${rule}${notUser}`,
    color: r.accepted ? 'green' : r.declined ? 'red' : 'yellow',
    notify: r.accepted,
  };
}

export function deliveryFailedNotice(invite: Invite, displayName: string, reason: string): RoomNotice {
  return { text: `Could not reach ${displayName}: ${reason} — ${inviteRef(invite)}.`, color: 'gray', notify: false };
}

export function eventStatusNotice(invite: Invite, status: string): RoomNotice {
  return { text: `xMatters event ${status.toLowerCase()} — ${inviteRef(invite)}.`, color: 'gray', notify: false };
}

export function joinedNotice(invite: Invite, displayName: string, minutes: number): RoomNotice {
  const after = minutes < 1 ? 'less than a minute' : `${minutes} min`;
  return { text: `${displayName} joined, ${after} after the invite — ${inviteRef(invite)}.`, color: 'green', notify: false };
}

export function recipientStateLabel(r: InviteRecipient): string {
  const extra = r.lastResponse && r.state !== 'accepted' && r.state !== 'declined' ? ` (${r.lastResponse})` : '';
  return `${recipientLabel(r)}: ${r.state}${extra}`;
}

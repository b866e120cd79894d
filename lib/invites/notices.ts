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

export function noEventNotice(invite: Invite, minutes: number): RoomNotice {
  return {
    text:
      `xMatters accepted ${inviter(invite)}'s invite (${inviteRef(invite)}) but made no event within ${minutes} min, so nobody was paged. ` +
      `An xMatters admin can look at the "Invite to room" integration's Activity Stream: the integration user must have access to the plan and be a sender on the Invite to Room form, ` +
      `every recipient must exist in xMatters, and no property may be longer than the form allows (this description has ${invite.description.length} characters).`,
    color: 'red',
    notify: true,
  };
}

export interface ResponseFacts {
  displayName: string;
  targetName: string;
  response: string;
  /** The answer this one replaces. */
  previous: string | null;
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
  const meaning = r.accepted ? 'accepted' : r.declined ? 'declined' : `responded "${r.response}"`;
  const verb = r.previous ? `changed their answer: ${meaning} (was "${r.previous}")` : meaning;
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

export function xmattersCommentNotice(invite: Invite, author: string, comment: string): RoomNotice {
  return { text: `${author} commented in xMatters: "${comment}" — ${inviteRef(invite)}.`, color: 'gray', notify: false };
}

/** xMatters could not target a recipient (an inactive user, no devices, nobody on duty in a group). */
export function recipientFailureNotice(invite: Invite, recipient: string, reason: string | null, message: string | null): RoomNotice {
  const why = (reason && RECIPIENT_FAILURES[reason]) ?? message ?? reason?.toLowerCase().replace(/_/g, ' ') ?? 'no reason given';
  return { text: `xMatters could not notify ${recipient}: ${why} — ${inviteRef(invite)}.`, color: 'gray', notify: false };
}

const RECIPIENT_FAILURES: Record<string, string> = {
  INACTIVE: 'the user is inactive in xMatters',
  NO_DEVICES: 'they have no devices to notify',
  NO_ONE_ON_DUTY: 'nobody in the group is on duty now',
};

export function eventStatusNotice(invite: Invite, status: string): RoomNotice {
  return { text: `xMatters event ${status.toLowerCase()} — ${inviteRef(invite)}.`, color: 'gray', notify: false };
}

export function joinedNotice(invite: Invite, displayName: string, minutes: number): RoomNotice {
  const after = minutes < 1 ? 'less than a minute' : `${minutes} min`;
  return { text: `${displayName} joined, ${after} after the invite — ${inviteRef(invite)}.`, color: 'green', notify: false };
}

export function recipientStateLabel(r: InviteRecipient): string {
  const extra = r.lastResponse && r.state !== 'accepted' && r.state !== 'declined' ? ` (${r.lastResponse})` : '';
  return `${recipientLabel(r)}: ${r.state.replace('_', ' ')}${extra}`;
}

/** The command that invites a group with a description, as /oncall reads it (quoted when the name has spaces). */
export function inviteCommand(group: string | null, description: string): string {
  const name = group === null ? '<person or group>' : /[\s"']/.test(group) ? `"${group.replace(/"/g, '')}"` : group;
  return `/oncall invite ${name} ${description.replace(/\s+/g, ' ').slice(0, 200)}`;
}

/** Nobody accepted within the installation's nudge time: the room is told once, with how to reach the next group. */
export function nudgeNotice(invite: Invite, minutes: number, nextGroup: string | null): RoomNotice {
  const how = nextGroup === null ? 'To invite someone else, type' : `To reach the next group, ${nextGroup}, type`;
  return {
    text: `Nobody has accepted ${inviter(invite)}'s invite (${inviteRef(invite)}) after ${minutes} min. ${how}: ${inviteCommand(nextGroup, invite.description)}`,
    color: 'yellow',
    notify: true,
  };
}

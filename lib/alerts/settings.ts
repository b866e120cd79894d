import { AddonError } from '../errors';
import type { NoticeColor } from '../invites/chat';
import { parsePath, type FieldPath } from './paths';
import { compileMatcher, type Matcher, type MatchOperator } from './routing';
import { compileTemplate, TemplateError, type MessageFormat, type Template } from './template';

/** What kind of body a source takes (docs/alerts.md §4). */
export type AlertKind = 'hipchat' | 'soda' | 'json';
export const ALERT_KINDS: readonly AlertKind[] = ['hipchat', 'soda', 'json'];

export interface SourceRoom {
  id: number;
  name: string;
}

export interface InviteRule {
  /** The xMatters group to invite. */
  group: string;
  /** A template for the invite's description; empty: the alert's message. */
  description: string;
}

export interface RoutingRule {
  /** A field path, e.g. `severity` or `ALERT.routing_key`. */
  field: string;
  op: MatchOperator;
  value: string;
  /** One of the source's rooms; null keeps the default room. */
  roomId: number | null;
  invite: InviteRule | null;
}

/** The generic JSON kind's message: templates over the payload. */
export interface MessageTemplate {
  message: string;
  format: MessageFormat;
  /** A template giving the severity word that picks the colour (lib/alerts/severity.ts); empty: always `color`. */
  severity: string;
  /** The colour when the severity is empty or a word not known. */
  color: NoticeColor;
  /** A card beside the message; null for none. */
  card: { title: string; link: string; fields: Array<{ label: string; value: string }> } | null;
}

/** A source's settings as stored (alert_sources.settings). */
export interface SourceSettings {
  /** The rooms it may post to; the first is the default room. */
  rooms: SourceRoom[];
  /** The json kind's templates; null for the other kinds, whose messages are built in. */
  template: MessageTemplate | null;
  /** A template giving the alert key that repeats share; empty: the alert's message text. */
  alertKey: string;
  /** Repeats of a key within this many minutes of its first occurrence fold into it; 0 turns dedupe off. */
  dedupeMinutes: number;
  rules: RoutingRule[];
  /** A key invites at most once within this many minutes. */
  inviteWindowMinutes: number;
}

export const LIMITS = {
  rooms: 20,
  rules: 20,
  cardFields: 10,
  label: 100,
  value: 500,
  group: 255,
  dedupeMinutes: 24 * 60,
  inviteWindowMinutes: 7 * 24 * 60,
} as const;

/** A setting that cannot be used: a 400 whose `field` is named as the configure tab names its inputs (`rules.2.value`). */
const invalid = (field: string, message: string) => new AddonError(400, 'invalid_source', message, { field });

export interface CompiledRule {
  matcher: Matcher;
  roomId: number;
  /** `description` null: the alert's message is the description. */
  invite: { group: string; description: Template | null } | null;
}

export interface CompiledTemplate {
  message: Template;
  format: MessageFormat;
  severity: Template | null;
  color: NoticeColor;
  card: { title: Template; link: Template | null; fields: Array<{ label: string; value: Template }> } | null;
}

/** Settings ready for the intake: templates parsed, patterns compiled, rule rooms resolved. */
export interface CompiledSettings {
  rooms: SourceRoom[];
  defaultRoom: SourceRoom;
  template: CompiledTemplate | null;
  alertKey: Template | null;
  dedupeMs: number;
  inviteWindowMs: number;
  rules: CompiledRule[];
}

const MINUTE = 60_000;

/** Checks settings and compiles them; the error names the first field at fault. */
export function compileSettings(kind: AlertKind, settings: SourceSettings): CompiledSettings {
  const defaultRoom = settings.rooms[0];
  if (!defaultRoom) throw invalid('rooms', 'Name at least one room: the first is where alerts go when no rule picks another.');
  if (settings.rooms.length > LIMITS.rooms) throw invalid('rooms', `A source can post to at most ${LIMITS.rooms} rooms.`);
  if (kind === 'json' && !settings.template) throw invalid('template.message', 'Write the message template: a generic JSON source has no built-in message.');
  if (settings.rules.length > LIMITS.rules) throw invalid('rules', `A source has at most ${LIMITS.rules} rules.`);
  const template = kind === 'json' && settings.template ? compileMessage(settings.template) : null;
  const rules = settings.rules.map((rule, index) => compileRule(rule, index, settings.rooms, defaultRoom));
  return {
    rooms: settings.rooms,
    defaultRoom,
    template,
    alertKey: settings.alertKey.trim() === '' ? null : templateOf('alertKey', settings.alertKey),
    dedupeMs: settings.dedupeMinutes * MINUTE,
    inviteWindowMs: settings.inviteWindowMinutes * MINUTE,
    rules,
  };
}

function compileMessage(template: MessageTemplate): CompiledTemplate {
  if (template.message.trim() === '') throw invalid('template.message', 'Write the message template, e.g. {{Name}} is {{TriggerType}}.');
  const card = template.card;
  return {
    message: templateOf('template.message', template.message),
    format: template.format,
    severity: template.severity.trim() === '' ? null : templateOf('template.severity', template.severity),
    color: template.color,
    card: card && {
      title: templateOf('template.card.title', card.title.trim() === '' ? template.message : card.title),
      link: card.link.trim() === '' ? null : templateOf('template.card.link', card.link),
      fields: card.fields.map((field, index) => {
        if (field.label.trim() === '') throw invalid(`template.card.fields.${index}.label`, 'Give the card field a label.');
        return { label: field.label.trim(), value: templateOf(`template.card.fields.${index}.value`, field.value) };
      }),
    },
  };
}

function compileRule(rule: RoutingRule, index: number, rooms: SourceRoom[], defaultRoom: SourceRoom): CompiledRule {
  const field = `rules.${index}`;
  const path: FieldPath | string = parsePath(rule.field);
  if (typeof path === 'string') throw invalid(`${field}.field`, `Rule ${index + 1}: the field ${path}.`);
  const matcher = compileMatcher(path, rule.op, rule.value);
  if (typeof matcher === 'string') throw invalid(`${field}.value`, `Rule ${index + 1}: the pattern ${matcher}.`);
  if (rule.roomId !== null && !rooms.some((room) => room.id === rule.roomId)) {
    throw invalid(`${field}.room`, `Rule ${index + 1}: room ${rule.roomId} is not one of the source's rooms.`);
  }
  const invite = rule.invite && {
    group: rule.invite.group,
    description: rule.invite.description.trim() === '' ? null : templateOf(`${field}.invite.description`, rule.invite.description),
  };
  if (invite && invite.group.trim() === '') throw invalid(`${field}.invite.group`, `Rule ${index + 1}: name the xMatters group to invite.`);
  return { matcher, roomId: rule.roomId ?? defaultRoom.id, invite };
}

function templateOf(field: string, source: string): Template {
  try {
    return compileTemplate(source);
  } catch (err) {
    if (err instanceof TemplateError) throw invalid(field, `The template ${err.message}.`);
    throw err;
  }
}

import { createHash } from 'node:crypto';
import type { RoomNotice } from '../invites/chat';
import { MAX_DESCRIPTION } from '../invites/service';
import type { IntakeBody } from './body';
import type { AlertDraft } from './draft';
import { hipchatDrafts } from './kinds/hipchat';
import { jsonDrafts } from './kinds/json';
import { sodaDrafts } from './kinds/soda';
import { firstMatch } from './routing';
import type { AlertKind, CompiledSettings, SourceRoom } from './settings';
import { renderTemplate } from './template';

/** What one alert of a body becomes: where it goes, what it says, the key its repeats share, whom it invites. */
export interface EvaluatedAlert {
  notice: RoomNotice;
  room: SourceRoom;
  /** The rule that picked the room (0-based), or -1 for the default room. */
  rule: number;
  /** The alert key as text (at most KEY_TEXT_LENGTH characters) and the hash of all of it, which dedupe compares. */
  key: string;
  keyHash: string;
  invite: { group: string; description: string } | null;
  payload: unknown;
}

export interface EvaluatedSource {
  name: string;
  kind: AlertKind;
  settings: CompiledSettings;
}

export const KEY_TEXT_LENGTH = 255;
/** The label beside the add-on's name when the body sets none: HipChat's older limit, which every HipChat takes. */
const FROM_LENGTH = 25;

/** Reads a body the way its source's kind says, and routes each alert in it. No side effects: the preview uses it as it is. */
export function evaluateAlerts(source: EvaluatedSource, body: IntakeBody): EvaluatedAlert[] {
  return draftsOf(source, body).map((draft) => evaluate(source, draft));
}

function draftsOf(source: EvaluatedSource, body: IntakeBody): AlertDraft[] {
  if (source.kind === 'hipchat') return hipchatDrafts(body);
  if (source.kind === 'soda') return sodaDrafts(body);
  return jsonDrafts(body, source.settings.template!, source.name);
}

function evaluate(source: EvaluatedSource, draft: AlertDraft): EvaluatedAlert {
  const { settings } = source;
  const index = firstMatch(
    settings.rules.map((rule) => rule.matcher),
    draft.fields,
  );
  const rule = index < 0 ? undefined : settings.rules[index];
  const room = settings.rooms.find((r) => r.id === rule?.roomId) ?? settings.defaultRoom;
  const key = oneLine(settings.alertKey ? renderTemplate(settings.alertKey, draft.fields, 'text') : '') || oneLine(draft.summary);
  const invite = rule?.invite
    ? { group: rule.invite.group, description: descriptionText(rule.invite.description ? renderTemplate(rule.invite.description, draft.fields, 'text') : '') || descriptionText(draft.summary) }
    : null;
  return {
    notice: { ...draft.notice, from: draft.notice.from || fromLabel(source.name) },
    room,
    rule: index,
    key: [...key].slice(0, KEY_TEXT_LENGTH).join(''),
    keyHash: createHash('sha256').update(key).digest('base64url'),
    invite,
    payload: draft.payload,
  };
}

/** Text any database column and xMatters can hold: control characters and broken surrogates replaced. */
function wellFormed(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** The source's name cut to FROM_LENGTH, never through a character. */
function fromLabel(name: string): string {
  let label = '';
  for (const char of name) {
    if (label.length + char.length > FROM_LENGTH) break;
    label += char;
  }
  return label;
}

const oneLine = (text: string) => wellFormed(text).replace(/\s+/g, ' ').trim();

/** An invite description: well-formed, at most the dialog's length. */
function descriptionText(text: string): string {
  const clean = wellFormed(text).trim();
  return clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION - 1)}…` : clean;
}

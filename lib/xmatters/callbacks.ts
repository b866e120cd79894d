import { z } from 'zod';
import { isWellFormedText } from '../text';

// Callback payloads xMatters POSTs back: per-event callbacks and outbound-integration webhooks
// share one JSON shape (docs/xmatters.md §3.2). The kind is told by which field is present.

export interface CallbackCommon {
  eventIdentifier: number;
  /** As sent ("2017-03-01 18:02:11.123"); the format is not documented, so it is not parsed. */
  date: string | null;
  /** `eventProperties` flattened: the form properties flagged "include in callbacks". */
  properties: Record<string, string>;
}

export type XMattersCallback =
  | (CallbackCommon & { kind: 'response'; recipient: string; response: string; annotation: string | null; device: string | null })
  | (CallbackCommon & { kind: 'deliveryStatus'; recipient: string; deliveryStatus: string; device: string | null; message: string | null })
  | (CallbackCommon & { kind: 'status'; status: string })
  /** An event comment (E12); `author.targetName` is who wrote it. */
  | (CallbackCommon & { kind: 'comment'; commentId: string | null; comment: string; author: { targetName: string | null; name: string } })
  /** An escalation in a group (E12). */
  | (CallbackCommon & { kind: 'escalation'; group: string | null; recipients: string[] })
  /** A targeted recipient xMatters could not notify (E12: "targeted recipient failures"). */
  | (CallbackCommon & { kind: 'recipientFailure'; recipient: string; reason: string | null; message: string | null })
  /** A webhook of a kind the add-on does not use: acknowledged and ignored. */
  | (CallbackCommon & { kind: 'other' });

/** Comments and delivery messages are kept (stored and shown) up to this length. */
const MAX_FREE_TEXT = 4000;

/**
 * Free text as it is kept, cut to MAX_FREE_TEXT. A callback carries its whole text, so that two long
 * comments that differ only past the cut are still two answers.
 */
export function keptText(value: string | null): string | null {
  return value !== null && value.length > MAX_FREE_TEXT ? `${value.slice(0, MAX_FREE_TEXT - 1)}…` : value;
}

export class CallbackPayloadError extends Error {
  override readonly name = 'CallbackPayloadError';
}

// Bounded to the columns they are stored in: an identifier over its column is refused, free text is cut
// where it is kept (keptText).
// Every string must be text a column and a notice can hold: no control character, lone surrogate or
// bytes that were not UTF-8 (PostgreSQL refuses a NUL outright).
const text = () => z.string({ error: 'must be text' }).refine(isWellFormedText, 'contains a control character, a lone surrogate or bytes that are not UTF-8');
const propertyValue = z.union([text().max(10_000, 'is longer than 10000 characters'), z.number(), z.boolean(), z.null()]);
const propertyName = text().max(255, 'is longer than 255 characters');
const name = text()
  .min(1, 'must not be empty')
  .max(255, 'is longer than 255 characters')
  .refine((v) => v.trim() !== '', 'must not be blank');
const optionalName = text().max(255, 'is longer than 255 characters').nullish();
const freeText = text().nullish();
const optionalText = text().max(100, 'is longer than 100 characters').nullish();

const common = z.object({
  eventIdentifier: z.union([z.number().int('must be a whole number').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,15}$/).transform(Number)], {
    error: 'must be a number',
  }),
  date: optionalText,
  eventProperties: z
    .union([z.array(z.record(propertyName, propertyValue)).max(200), z.record(propertyName, propertyValue)], {
      error: 'must be a list of one-key objects or an object of text values',
    })
    .nullish(),
});

const responseSchema = common.extend({ recipient: name, response: name, annotation: freeText, device: optionalName });
const deliverySchema = common.extend({ recipient: name, deliveryStatus: name, device: optionalName, message: freeText });
const statusSchema = common.extend({ status: name });
const personName = optionalName;
// The comment, escalation and targeted-failure payloads are not published; these follow webhooks_intro.htm
// (what each carries) and the Flow Designer outputs xMatters names (annotation.comment, annotation.author.*).
const commentSchema = common.extend({
  annotation: z.object({
    id: z.union([text().max(100, 'is longer than 100 characters'), z.number()]).transform(String).nullish(),
    comment: text(),
    author: z.object({ targetName: personName, firstName: personName, lastName: personName }).nullish(),
  }),
});
const escalationSchema = common.extend({
  escalation: z.object({ group: z.union([optionalName, z.object({ targetName: name })]), recipients: z.array(name).max(500, 'lists more than 500 recipients').nullish() }).passthrough(),
});
const recipientFailureSchema = common.extend({ recipient: name, reason: optionalText, message: freeText });

export function parseCallback(payload: unknown): XMattersCallback {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new CallbackPayloadError('The xMatters callback is not a JSON object.');
  }
  const has = (key: string) => (payload as Record<string, unknown>)[key] != null;
  if (has('response')) {
    const p = read(responseSchema, payload, 'response');
    return {
      kind: 'response',
      ...commonFields(p),
      recipient: p.recipient,
      response: p.response,
      annotation: meaningful(p.annotation),
      device: meaningful(p.device),
    };
  }
  if (has('deliveryStatus')) {
    const p = read(deliverySchema, payload, 'deliveryStatus');
    return {
      kind: 'deliveryStatus',
      ...commonFields(p),
      recipient: p.recipient,
      deliveryStatus: p.deliveryStatus,
      device: meaningful(p.device),
      message: meaningful(p.message),
    };
  }
  if (has('status')) {
    const p = read(statusSchema, payload, 'status');
    return { kind: 'status', ...commonFields(p), status: p.status };
  }
  const record = payload as Record<string, unknown>;
  if (typeof record.annotation === 'object' && record.annotation !== null) {
    const p = read(commentSchema, payload, 'comment');
    const a = p.annotation;
    const name = [a.author?.firstName, a.author?.lastName].filter((part) => part && part.trim()).join(' ') || a.author?.targetName || 'Someone';
    return { kind: 'comment', ...commonFields(p), commentId: a.id ?? null, comment: a.comment, author: { targetName: a.author?.targetName ?? null, name } };
  }
  if (has('escalation')) {
    const p = read(escalationSchema, payload, 'escalation');
    const group = p.escalation.group;
    return { kind: 'escalation', ...commonFields(p), group: group == null ? null : typeof group === 'string' ? group : group.targetName, recipients: p.escalation.recipients ?? [] };
  }
  // A targeted-recipient failure names its reason; a delivery update without its status is not one.
  if (has('recipient') && has('reason')) {
    const p = read(recipientFailureSchema, payload, 'targeted recipient failure');
    return { kind: 'recipientFailure', ...commonFields(p), recipient: p.recipient, reason: meaningful(p.reason), message: meaningful(p.message) };
  }
  return { kind: 'other', ...commonFields(read(common, payload, 'outbound integration')) };
}

function read<T extends z.ZodType>(schema: T, payload: object, kind: string): z.infer<T> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.join('.') || 'payload';
    const value = issue.path.reduce<unknown>(
      (node, key) => (typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined),
      payload,
    );
    return value === undefined ? `"${field}" is missing` : `"${field}" ${issue.message}`;
  });
  throw new CallbackPayloadError(`The xMatters ${kind} callback is not valid: ${[...new Set(problems)].join('; ')}.`);
}

function commonFields(p: z.infer<typeof common>): CallbackCommon {
  return { eventIdentifier: p.eventIdentifier, date: p.date ?? null, properties: flatten(p.eventProperties) };
}

/** `[{"Room":"ops"},{"Description":"..."}]` or `{"Room":"ops"}` → `{Room:"ops", Description:"..."}`. */
function flatten(properties: z.infer<typeof common>['eventProperties']): Record<string, string> {
  const entries = Array.isArray(properties) ? properties.flatMap((one) => Object.entries(one)) : Object.entries(properties ?? {});
  // fromEntries defines own properties, so a "__proto__" key cannot reach the prototype.
  return Object.fromEntries(entries.filter(([, value]) => value !== null).map(([key, value]) => [key, String(value)]));
}

/** xMatters sends an absent comment as the literal string "null" (docs §3.2). */
function meaningful(value: string | null | undefined): string | null {
  if (value == null || value.trim() === '' || value === 'null') return null;
  return value;
}

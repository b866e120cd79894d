import type { SimForm } from './plan-model';

// A trigger object checked against its form, the way xMatters reports form-validation errors
// (`errorDetails` with a `jsonPath`, E9 / docs §1.6). Properties the form does not have are dropped
// with a warning (inferred: no source shows either behaviour). `callbacks` are read only for the
// legacy form API (E6).

export type SimRecipient = { targetName: string } | { id: string; recipientType?: RecipientType };
export type RecipientType = 'PERSON' | 'GROUP' | 'DEVICE' | 'DYNAMIC_TEAM';

export interface LegacyCallback {
  url: string;
  type: 'status' | 'deliveryStatus' | 'response';
  authUserName?: string;
  authPassword?: string;
}

export interface ValidTrigger {
  properties: Record<string, string>;
  recipients: SimRecipient[];
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  expirationInMinutes: number;
  callbacks: LegacyCallback[];
}

export interface ErrorDetail {
  jsonPath: string;
  details: string;
}

export type TriggerValidation =
  | { ok: true; trigger: ValidTrigger; warnings: string[] }
  | { ok: false; errorDetails: ErrorDetail[] };

const PRIORITIES = new Set(['LOW', 'MEDIUM', 'HIGH']);
const RECIPIENT_TYPES = new Set(['PERSON', 'GROUP', 'DEVICE', 'DYNAMIC_TEAM']);
const CALLBACK_TYPES = new Set(['status', 'deliveryStatus', 'response']);
/** The longest expiration accepted (not documented; two weeks). */
const MAX_EXPIRATION_MINUTES = 20_160;

export function validateTrigger(body: unknown, form: SimForm, opts: { legacyCallbacks: boolean }): TriggerValidation {
  const errors: ErrorDetail[] = [];
  const warnings: string[] = [];
  const fail = (jsonPath: string, details: string) => errors.push({ jsonPath, details });
  if (!isObject(body)) return { ok: false, errorDetails: [{ jsonPath: '', details: 'The request body must be a JSON object' }] };

  const properties: Record<string, string> = {};
  if (body.properties !== undefined && !isObject(body.properties)) fail('properties', 'Must be an object');
  const given = isObject(body.properties) ? body.properties : {};
  for (const [name, value] of Object.entries(given)) {
    const property = form.properties.find((p) => p.name === name);
    if (!property) {
      warnings.push(`The form "${form.name}" has no property "${name}"; its value was dropped.`);
      continue;
    }
    if (value === null || value === undefined) continue;
    if (property.kind === 'TEXT' && typeof value !== 'string') fail(`properties/${name}`, 'Must be text');
    else if (property.maxLength !== null && String(value).length > property.maxLength) {
      fail(`properties/${name}`, 'Exceeded the specified maximum number of characters');
    } else properties[name] = String(value);
  }
  for (const property of form.properties) {
    if (property.required && !(property.name in properties)) fail(`properties/${property.name}`, 'A value is required');
  }

  const recipients: SimRecipient[] = [];
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) {
    fail('recipients', 'At least one recipient is required');
  } else {
    body.recipients.forEach((recipient: unknown, i) => {
      const parsed = recipientOf(recipient);
      if (parsed) recipients.push(parsed);
      else fail(`recipients/${i}`, 'A recipient needs a targetName, or an id (with an optional recipientType of PERSON, GROUP, DEVICE or DYNAMIC_TEAM)');
    });
  }

  const priority = body.priority ?? 'MEDIUM';
  if (typeof priority !== 'string' || !PRIORITIES.has(priority)) fail('priority', 'Must be LOW, MEDIUM or HIGH');

  const expiration = body.expirationInMinutes ?? form.expirationInMinutes;
  if (typeof expiration !== 'number' || !Number.isInteger(expiration) || expiration < 1 || expiration > MAX_EXPIRATION_MINUTES) {
    fail('expirationInMinutes', `Must be a whole number of minutes from 1 to ${MAX_EXPIRATION_MINUTES}`);
  }

  const callbacks: LegacyCallback[] = [];
  if (opts.legacyCallbacks) {
    if (body.callbacks !== undefined && !Array.isArray(body.callbacks)) fail('callbacks', 'Must be an array');
    (Array.isArray(body.callbacks) ? body.callbacks : []).forEach((callback: unknown, i) => {
      const problem = callbackProblem(callback);
      if (problem) fail(`callbacks/${i}${problem.path}`, problem.details);
      else callbacks.push(callbackOf(callback as Record<string, unknown>));
    });
  } else if (body.callbacks !== undefined) {
    warnings.push('"callbacks" in the body were ignored: this endpoint sends updates only through the outbound integrations of the plan.');
  }

  if (errors.length > 0) return { ok: false, errorDetails: errors };
  return {
    ok: true,
    trigger: { properties, recipients, priority: priority as ValidTrigger['priority'], expirationInMinutes: expiration as number, callbacks },
    warnings,
  };
}

function recipientOf(recipient: unknown): SimRecipient | undefined {
  if (!isObject(recipient)) return undefined;
  if (typeof recipient.targetName === 'string' && recipient.targetName.trim() !== '') return { targetName: recipient.targetName };
  if (typeof recipient.id !== 'string' || recipient.id.trim() === '') return undefined;
  if (recipient.recipientType === undefined) return { id: recipient.id };
  if (typeof recipient.recipientType !== 'string' || !RECIPIENT_TYPES.has(recipient.recipientType)) return undefined;
  return { id: recipient.id, recipientType: recipient.recipientType as RecipientType };
}

function callbackProblem(callback: unknown): { path: string; details: string } | undefined {
  if (!isObject(callback)) return { path: '', details: 'Must be an object' };
  const { url, type, authType, authUserName, authPassword } = callback;
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    return { path: '/url', details: 'Must be an http or https URL' };
  }
  if (typeof type !== 'string' || !CALLBACK_TYPES.has(type)) return { path: '/type', details: 'Must be status, deliveryStatus or response' };
  if (authType !== undefined && authType !== 'basic') return { path: '/authType', details: 'Only basic is supported' };
  if (authType === 'basic' && (typeof authUserName !== 'string' || typeof authPassword !== 'string')) {
    return { path: '', details: 'authUserName and authPassword are required with basic authentication' };
  }
  return undefined;
}

function callbackOf(callback: Record<string, unknown>): LegacyCallback {
  const spec: LegacyCallback = { url: callback.url as string, type: callback.type as LegacyCallback['type'] };
  if (callback.authType === 'basic') {
    spec.authUserName = callback.authUserName as string;
    spec.authPassword = callback.authPassword as string;
  }
  return spec;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Validation of an inbound integration's trigger body (docs/xmatters.md §2.3, §1.6): problems are
// reported the way xMatters reports form-validation errors, as `errorDetails` with a `jsonPath`.

const MAX_PROPERTY_LENGTH = 2000;

export type SimRecipient = { targetName: string } | { id: string; recipientType: 'PERSON' | 'GROUP' };

export interface SimCallbackSpec {
  url: string;
  type: 'status' | 'deliveryStatus' | 'response';
  authUserName?: string;
  authPassword?: string;
}

export interface SimTriggerBody {
  properties: Record<string, string>;
  recipients: SimRecipient[];
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  callbacks: SimCallbackSpec[];
}

export interface ErrorDetail {
  jsonPath: string;
  details: string;
}

export type TriggerValidation = { ok: true; body: SimTriggerBody } | { ok: false; errorDetails: ErrorDetail[] };

const CALLBACK_TYPES = new Set(['status', 'deliveryStatus', 'response']);
const PRIORITIES = new Set(['LOW', 'MEDIUM', 'HIGH']);

export function validateTriggerBody(body: unknown): TriggerValidation {
  const errors: ErrorDetail[] = [];
  const fail = (jsonPath: string, details: string) => errors.push({ jsonPath, details });
  if (!isObject(body)) return { ok: false, errorDetails: [{ jsonPath: '', details: 'The request body must be a JSON object' }] };

  const properties: Record<string, string> = {};
  if (body.properties !== undefined && !isObject(body.properties)) fail('properties', 'Must be an object');
  for (const [name, value] of Object.entries(isObject(body.properties) ? body.properties : {})) {
    if (typeof value !== 'string') fail(`properties/${name}`, 'Must be text');
    else if (value.length > MAX_PROPERTY_LENGTH) fail(`properties/${name}`, 'Exceeded the specified maximum number of characters');
    else properties[name] = value;
  }

  const recipients: SimRecipient[] = [];
  if (!Array.isArray(body.recipients) || body.recipients.length === 0) {
    fail('recipients', 'At least one recipient is required');
  } else {
    body.recipients.forEach((recipient: unknown, i) => {
      if (isObject(recipient) && typeof recipient.targetName === 'string' && recipient.targetName.trim() !== '') {
        recipients.push({ targetName: recipient.targetName });
      } else if (
        isObject(recipient) &&
        typeof recipient.id === 'string' &&
        recipient.id !== '' &&
        (recipient.recipientType === 'PERSON' || recipient.recipientType === 'GROUP')
      ) {
        recipients.push({ id: recipient.id, recipientType: recipient.recipientType });
      } else {
        fail(`recipients/${i}`, 'A recipient needs a targetName, or an id and a recipientType of PERSON or GROUP');
      }
    });
  }

  const priority = body.priority ?? 'MEDIUM';
  if (typeof priority !== 'string' || !PRIORITIES.has(priority)) fail('priority', 'Must be LOW, MEDIUM or HIGH');

  const callbacks: SimCallbackSpec[] = [];
  if (body.callbacks !== undefined && !Array.isArray(body.callbacks)) fail('callbacks', 'Must be an array');
  (Array.isArray(body.callbacks) ? body.callbacks : []).forEach((callback: unknown, i) => {
    const problem = callbackProblem(callback);
    if (problem) fail(`callbacks/${i}${problem.path}`, problem.details);
    else callbacks.push(callbackSpec(callback as Record<string, unknown>));
  });

  if (errors.length > 0) return { ok: false, errorDetails: errors };
  return { ok: true, body: { properties, recipients, priority: priority as SimTriggerBody['priority'], callbacks } };
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

function callbackSpec(callback: Record<string, unknown>): SimCallbackSpec {
  const spec: SimCallbackSpec = { url: callback.url as string, type: callback.type as SimCallbackSpec['type'] };
  if (callback.authType === 'basic') {
    spec.authUserName = callback.authUserName as string;
    spec.authPassword = callback.authPassword as string;
  }
  return spec;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import axios from 'axios';
import { compilePattern } from './pattern';

export type WebhookEvent =
  | 'room_archived'
  | 'room_created'
  | 'room_deleted'
  | 'room_enter'
  | 'room_exit'
  | 'room_file_upload'
  | 'room_message'
  | 'room_notification'
  | 'room_topic_change'
  | 'room_unarchived';

export interface WebhookDeclaration {
  url: string;
  event: WebhookEvent;
  pattern?: string;
  name?: string;
  key?: string;
  authentication?: 'jwt' | 'none';
}

/** The parts of a valid descriptor (docs §1) the simulator acts on; the rest is kept as given. */
export interface Descriptor {
  key: string;
  name: string;
  description: string;
  links: { self: string; homepage?: string };
  capabilities?: {
    hipchatApiConsumer?: { scopes: string[]; fromName?: string };
    installable?: { allowGlobal?: boolean; allowRoom?: boolean; callbackUrl?: string };
    webhook?: WebhookDeclaration[];
    dialog?: unknown[];
    action?: unknown[];
    configurable?: { url: string; allowAccessToRoomAdmins?: boolean; authentication?: 'jwt' | 'none' };
    [capability: string]: unknown;
  };
  [field: string]: unknown;
}

export type DescriptorResult = { ok: true; descriptor: Descriptor } | { ok: false; message: string };

const schema = JSON.parse(
  readFileSync(new URL('./schema/addon-capabilities.draft04.schema.json', import.meta.url), 'utf8'),
) as object;
// unicodeRegExp: false because one schema pattern uses `\:` (see schema/README.md).
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
const validateSchema = ajv.compile(schema);

/** GETs the descriptor and checks it against HipChat's draft-04 schema and its webhook patterns. */
export async function fetchDescriptor(url: string): Promise<DescriptorResult> {
  let body: string;
  try {
    const res = await axios.get<string>(url, {
      timeout: 10_000,
      responseType: 'text',
      transformResponse: (data: string) => data,
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
    });
    if (res.status !== 200) return { ok: false, message: `Fetching the descriptor ${url} returned HTTP ${res.status}` };
    body = res.data;
  } catch (err) {
    return { ok: false, message: `Could not fetch the descriptor ${url}: ${(err as Error).message}` };
  }
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { ok: false, message: `The descriptor at ${url} is not valid JSON` };
  }
  if (!validateSchema(document)) {
    const errors = ajv.errorsText(validateSchema.errors, { dataVar: 'descriptor', separator: '\n' });
    return { ok: false, message: `The descriptor at ${url} is invalid:\n${errors}` };
  }
  const descriptor = document as Descriptor;
  for (const [index, webhook] of (descriptor.capabilities?.webhook ?? []).entries()) {
    if (webhook.pattern === undefined) continue;
    try {
      compilePattern(webhook.pattern);
    } catch (err) {
      return {
        ok: false,
        message: `The descriptor at ${url} is invalid:\ndescriptor/capabilities/webhook/${index}/pattern is not a usable regular expression (${(err as Error).message})`,
      };
    }
  }
  return { ok: true, descriptor };
}

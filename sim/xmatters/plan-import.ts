import { randomBytes, randomUUID } from 'node:crypto';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { ActivityStream } from './activity';
import {
  TRIGGER_KINDS,
  type EndpointAuth,
  type FormProperty,
  type InboundIntegration,
  type OutboundIntegration,
  type ResponseAction,
  type ResponseOption,
  type SimEndpoint,
  type SimForm,
  type SimPlan,
  type TriggerKind,
} from './plan-model';
import { PlanError } from './plan-store';

// "Import Plan" on the Developer tab: reads a plan zip in the layout xMatters exports (xm-labs-jira-chat
// JIRAServer.zip, E7/E11; also xm-labs-azuredevops-boards, -statushub, -servicenow-event-log):
//   engine.json                    the plan's name and description
//   properties/properties.json     property definitions (baseType 3 = text, with maxLength)
//   forms/<Form>/<id>.json         a form: uuid, layoutSections[].sectionItems[] naming its properties
//                                  with isIncludeInCallbacks, and its responses
//   integrations/integrations.json {integrations, endpoints, constants}
// Imported objects get new ids. Inbound integrations start with URL authentication (E10) and the
// importer as authenticating user; the importer gets plan access and sender permission. Endpoints
// arrive without passwords: an admin sets them after the import.

export interface ImportOutcome {
  plan: SimPlan;
  warnings: string[];
}

const MAX_FILES = 200;

const engineSchema = z.object({ name: z.string().trim().min(1, 'engine.json needs a plan name'), description: z.string().optional() });
const propertySchema = z.object({
  name: z.string(),
  baseType: z.number().optional(),
  maxLength: z.number().int().nullish(),
  isSystem: z.boolean().optional(),
});
const sectionItemSchema = z.object({
  propertyName: z.string().optional(),
  property: propertySchema.partial().optional(),
  isRequired: z.boolean().optional(),
  isIncludeInCallbacks: z.boolean().optional(),
});
const responseSchema = z.object({
  textResponse: z.string().min(1),
  description: z.string().optional(),
  action: z.string().optional(),
  contribution: z.enum(['POSITIVE', 'NEGATIVE', 'NEUTRAL']).optional(),
  isJoinConference: z.boolean().optional(),
  order: z.number().optional(),
});
const formSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  uuid: z.string().min(1),
  layoutSections: z.array(z.object({ sectionItems: z.array(sectionItemSchema).default([]) })).default([]),
  responses: z.array(responseSchema).default([]),
});
const integrationSchema = z.object({
  name: z.string().min(1),
  type: z.string(),
  action: z.string().optional(),
  triggeredBy: z.string().optional(),
  responseChoice: z.string().nullish(),
  form: z.string().nullish(),
  script: z.string().nullish(),
  endpoint: z.string().nullish(),
  path: z.string().nullish(),
});
const integrationsFileSchema = z.object({
  integrations: z.array(integrationSchema).default([]),
  endpoints: z
    .array(z.object({ name: z.string().min(1), baseUrl: z.string().default(''), authentication: z.string().default('NO_AUTH'), username: z.string().nullish() }))
    .default([]),
  constants: z.array(z.object({ name: z.string(), value: z.string().default(''), description: z.string().default('') })).default([]),
});

export function importPlanZip(zip: Uint8Array, importer: string): ImportOutcome {
  const files = unzip(zip);
  const warnings: string[] = [];
  const engine = read(files, 'engine.json', engineSchema);
  const definitions = files.has('properties/properties.json') ? read(files, 'properties/properties.json', z.array(propertySchema)) : [];
  const formFiles = [...files.keys()].filter((name) => /^forms\/[^/]+\/[^/]+\.json$/.test(name)).sort();
  if (formFiles.length === 0) throw new PlanError(400, 'The plan has no forms (forms/<form>/<id>.json).');

  const formIds = new Map<string, string>();
  const forms = formFiles.map((name) => {
    const exported = read(files, name, formSchema);
    const form = formOf(exported, definitions, warnings);
    formIds.set(exported.uuid, form.id);
    form.senders.add(importer);
    return form;
  });

  const exported = files.has('integrations/integrations.json') ? read(files, 'integrations/integrations.json', integrationsFileSchema) : integrationsFileSchema.parse({});
  const endpoints = exported.endpoints.map((e): SimEndpoint => ({
    name: e.name,
    baseUrl: e.baseUrl,
    authentication: endpointAuth(e.authentication, e.name, warnings),
    username: e.username ?? null,
    password: null,
    apiKey: null,
  }));
  const inbound: InboundIntegration[] = [];
  const outbound: OutboundIntegration[] = [];
  for (const integration of exported.integrations) {
    const formId = integration.form ? formIds.get(integration.form) : undefined;
    if (integration.form && !formId) throw new PlanError(400, `The integration "${integration.name}" refers to form ${integration.form}, which is not in the plan.`);
    if (integration.type === 'INBOUND_WEBHOOK') {
      if (!formId) {
        warnings.push(`The inbound integration "${integration.name}" creates no event from a form; it was imported but cannot be triggered here.`);
        continue;
      }
      inbound.push({
        id: randomUUID(),
        name: integration.name,
        formId,
        authType: 'URL',
        apiKey: randomBytes(24).toString('base64url'),
        authenticatingUser: importer,
        script: integration.script ?? null,
        activity: new ActivityStream(),
      });
    } else if (integration.type === 'OUTBOUND_WEBHOOK') {
      const triggeredBy = integration.triggeredBy as TriggerKind;
      if (!formId || !TRIGGER_KINDS.includes(triggeredBy)) {
        warnings.push(`The outbound integration "${integration.name}" (${integration.triggeredBy ?? 'no trigger'}) is not simulated and was skipped.`);
        continue;
      }
      const action = integration.action === 'SEND_WEBHOOK' ? 'SEND_WEBHOOK' : 'RUN_SCRIPT';
      if (action === 'SEND_WEBHOOK' && !endpoints.some((e) => e.name === integration.endpoint)) {
        throw new PlanError(400, `The outbound integration "${integration.name}" sends to the endpoint "${integration.endpoint ?? ''}", which is not in the plan.`);
      }
      if (action === 'RUN_SCRIPT') warnings.push(`"${integration.name}" runs a script: the simulator imports it but does not run outbound scripts.`);
      outbound.push({
        id: randomUUID(),
        name: integration.name,
        formId,
        triggeredBy,
        responseChoice: integration.responseChoice ?? null,
        action,
        endpointName: integration.endpoint ?? null,
        path: integration.path ?? '',
        activity: new ActivityStream(),
      });
    } else {
      warnings.push(`"${integration.name}" has the type ${integration.type}, which the simulator does not know; it was skipped.`);
    }
  }
  for (const name of files.keys()) {
    if (name.startsWith('canvases/') || name === 'integrations/scriptSteps.json' || name === 'integrations/sharedfunctions.json') {
      warnings.push(`${name}: Flow Designer canvases, steps and shared libraries are not simulated; ignored.`);
    }
  }

  return {
    plan: {
      id: randomUUID(),
      name: engine.name,
      description: engine.description ?? '',
      createdBy: importer,
      createdAt: new Date().toISOString(),
      access: new Set([importer]),
      forms,
      inbound,
      outbound,
      endpoints,
      constants: exported.constants,
      recentTriggers: [],
    },
    warnings,
  };
}

function unzip(zip: Uint8Array): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch {
    throw new PlanError(400, 'The file is not a zip archive. Choose the communication plan .zip file.');
  }
  const names = Object.keys(entries).filter((name) => !name.endsWith('/'));
  if (names.length > MAX_FILES) throw new PlanError(400, `The archive has ${names.length} files; a plan has at most ${MAX_FILES}.`);
  // Exports put the plan's folders at the top; a zip of the folder that holds them is read the same way.
  const prefix = names.includes('engine.json') ? '' : (names.find((n) => n.endsWith('/engine.json'))?.replace(/engine\.json$/, '') ?? '');
  return new Map(names.filter((n) => n.startsWith(prefix)).map((n) => [n.slice(prefix.length), entries[n] as Uint8Array]));
}

function read<T>(files: Map<string, Uint8Array>, name: string, schema: z.ZodType<T>): T {
  const bytes = files.get(name);
  if (!bytes) throw new PlanError(400, `The plan has no ${name}.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new PlanError(400, `${name} is not valid JSON.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PlanError(400, `${name}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  return parsed.data;
}

function formOf(exported: z.infer<typeof formSchema>, definitions: Array<z.infer<typeof propertySchema>>, warnings: string[]): SimForm {
  const properties: FormProperty[] = [];
  for (const item of exported.layoutSections.flatMap((s) => s.sectionItems)) {
    const name = item.propertyName ?? item.property?.name;
    if (!name || name.startsWith(':system:') || item.property?.isSystem) continue;
    const definition = definitions.find((d) => d.name === name) ?? (item.property as z.infer<typeof propertySchema> | undefined);
    if (!definition) {
      warnings.push(`The form "${exported.name}" uses the property "${name}", which properties.json does not define; it is kept as text without a limit.`);
    }
    properties.push({
      name,
      kind: definition?.baseType === 3 || definition === undefined ? 'TEXT' : 'OTHER',
      maxLength: definition?.baseType === 3 ? (definition.maxLength ?? null) : null,
      required: item.isRequired ?? false,
      includeInCallbacks: item.isIncludeInCallbacks ?? false,
    });
  }
  const responses = [...exported.responses]
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map((r): ResponseOption => ({
      text: r.textResponse,
      description: r.description ?? r.textResponse,
      action: responseAction(r.action, r.textResponse, warnings),
      contribution: r.contribution ?? 'NEUTRAL',
      joinConference: r.isJoinConference ?? false,
    }));
  return { id: randomUUID(), name: exported.name, description: exported.description ?? '', properties, responses, senders: new Set(), expirationInMinutes: 180 };
}

function responseAction(action: string | undefined, text: string, warnings: string[]): ResponseAction {
  if (action === undefined || action === 'RECORD_RESPONSE') return 'RECORD_RESPONSE';
  if (action === 'STOP_NOTIFYING_USER' || action === 'ESCALATE' || action === 'END') return action;
  warnings.push(`The response "${text}" has the action ${action}, which the simulator does not know; it only records the response.`);
  return 'RECORD_RESPONSE';
}

function endpointAuth(authentication: string, name: string, warnings: string[]): EndpointAuth {
  if (authentication === 'NO_AUTH' || authentication === 'BASIC' || authentication === 'URL') return authentication;
  warnings.push(`The endpoint "${name}" uses ${authentication} authentication, which the simulator does not have; it sends without authentication.`);
  return 'NO_AUTH';
}

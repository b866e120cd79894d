import type { ActivityStream } from './activity';

// A communication plan as the Developer tab shows it: forms with properties and response options,
// inbound integrations (how events get in), outbound integrations (webhooks out, one trigger kind
// each) and the endpoints they send to. Field names follow xMatters' plan export (xm-labs-jira-chat
// JIRAServer.zip, E7/E11) where one exists.

/** `triggeredBy` of an outbound integration (E12). RESPONSE, STATUS, DELIVERYSTATUS and ANNOTATION
 * appear in xMatters' exports (jira-chat, servicenow-event-log, azuredevops-boards); the other two
 * names are inferred. */
export const TRIGGER_KINDS = ['RESPONSE', 'STATUS', 'DELIVERYSTATUS', 'ANNOTATION', 'ESCALATION', 'TARGETED_RECIPIENT_FAILURE'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export const TRIGGER_KIND_LABELS: Record<TriggerKind, string> = {
  RESPONSE: 'Notification responses',
  STATUS: 'Event status updates',
  DELIVERYSTATUS: 'Device delivery updates',
  ANNOTATION: 'Event comments',
  ESCALATION: 'Escalations',
  TARGETED_RECIPIENT_FAILURE: 'Targeted recipient failures',
};

/** Response actions (formdetailsresponsesoptions.htm, E17). */
export type ResponseAction = 'RECORD_RESPONSE' | 'STOP_NOTIFYING_USER' | 'ESCALATE' | 'END';
export type Contribution = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL';

export interface ResponseOption {
  text: string;
  description: string;
  action: ResponseAction;
  contribution: Contribution;
  joinConference: boolean;
}

export interface FormProperty {
  name: string;
  /** Text properties are validated by length; other kinds are kept as sent. */
  kind: 'TEXT' | 'OTHER';
  maxLength: number | null;
  required: boolean;
  /** "Include in Outbound Integrations" / `isIncludeInCallbacks` (E11). */
  includeInCallbacks: boolean;
}

export interface SimForm {
  id: string;
  name: string;
  description: string;
  properties: FormProperty[];
  responses: ResponseOption[];
  /** targetNames with sender permission (E10, seed 002 "Sender Permissions"). */
  senders: Set<string>;
  expirationInMinutes: number;
}

/** URL: `?apiKey=` in the URL; BASIC: HTTP Basic; ALL: "Allow all methods" (E10). */
export type InboundAuth = 'URL' | 'BASIC' | 'ALL';

export interface InboundIntegration {
  /** The function id in `/api/integration/1/functions/{id}/triggers`. */
  id: string;
  name: string;
  formId: string;
  authType: InboundAuth;
  apiKey: string;
  /** Whose permissions a URL-authenticated request has (IB-urls). */
  authenticatingUser: string;
  /** The transformation script; null: the body is the trigger object itself. */
  script: string | null;
  activity: ActivityStream;
}

export interface OutboundIntegration {
  id: string;
  name: string;
  formId: string;
  triggeredBy: TriggerKind;
  /** Only for RESPONSE: fires for this response option only (azuredevops-boards export `responseChoice`). */
  responseChoice: string | null;
  /** SEND_WEBHOOK posts the payload to the endpoint; RUN_SCRIPT integrations are kept but not run. */
  action: 'SEND_WEBHOOK' | 'RUN_SCRIPT';
  endpointName: string | null;
  /** Appended to the endpoint's base URL. */
  path: string;
  activity: ActivityStream;
}

/** NO_AUTH and BASIC as exported (E7); URL: a key sent as `?apiKey=` (inferred from inbound URL auth). */
export type EndpointAuth = 'NO_AUTH' | 'BASIC' | 'URL';

export interface SimEndpoint {
  name: string;
  baseUrl: string;
  authentication: EndpointAuth;
  username: string | null;
  /** Never exported: the admin sets it after an import. */
  password: string | null;
  apiKey: string | null;
}

export interface SimPlan {
  id: string;
  name: string;
  description: string;
  createdBy: string;
  createdAt: string;
  /** targetNames with access permission to the plan (seed 002 "Access Permissions"). */
  access: Set<string>;
  forms: SimForm[];
  inbound: InboundIntegration[];
  outbound: OutboundIntegration[];
  endpoints: SimEndpoint[];
  constants: Array<{ name: string; value: string; description: string }>;
  /** When the plan's recent triggers were accepted, for the per-minute limit (E3). */
  recentTriggers: number[];
}

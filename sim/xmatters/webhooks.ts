import { ActivityStream } from './activity';
import type { TriggerKind } from './plan-model';
import type { PlanStore } from './plan-store';
import type { LegacyCallback } from './trigger-validation';
import type { WebhookSender, WebhookTarget } from './webhook-sender';

// Builds the webhook an event sends for one trigger kind and hands it to every outbound integration
// of the event's form with that trigger (E12), plus the legacy per-event callbacks of that type (E6).
// Every webhook carries `eventIdentifier`, `date` and `eventProperties`: only the properties flagged
// "include in callbacks", as an array of one-key objects (E11, E14).

export interface WebhookSource {
  eventIdentifier: number;
  formId: string;
  properties: Record<string, string>;
  callbacks: LegacyCallback[];
}

const LEGACY_TYPES: Partial<Record<TriggerKind, LegacyCallback['type']>> = {
  STATUS: 'status',
  DELIVERYSTATUS: 'deliveryStatus',
  RESPONSE: 'response',
};

export class WebhookDispatcher {
  /** Activity of legacy per-event callbacks, which belong to no integration. */
  readonly legacyActivity = new ActivityStream();

  constructor(
    private readonly plans: PlanStore,
    private readonly sender: WebhookSender,
  ) {}

  emit(event: WebhookSource, kind: TriggerKind, fields: Record<string, unknown>, responseText?: string): void {
    const flagged = this.plans.form(event.formId)?.form.properties.filter((p) => p.includeInCallbacks).map((p) => p.name) ?? [];
    const payload = {
      eventIdentifier: event.eventIdentifier,
      date: webhookDate(new Date()),
      eventProperties: flagged.filter((name) => name in event.properties).map((name) => ({ [name]: event.properties[name] })),
      ...fields,
    };
    const targets: WebhookTarget[] = [];
    for (const { integration, endpoint } of this.plans.outbound(event.formId, kind)) {
      if (kind === 'RESPONSE' && integration.responseChoice !== null && integration.responseChoice !== responseText) continue;
      if (integration.action !== 'SEND_WEBHOOK') {
        integration.activity.add({ title: `Not run for event ${event.eventIdentifier}: "Run a script" outbound integrations are not simulated`, outcome: 'info', eventIdentifier: event.eventIdentifier });
        continue;
      }
      if (!endpoint) {
        integration.activity.add({ title: `Not sent: the endpoint "${integration.endpointName}" does not exist`, outcome: 'error', eventIdentifier: event.eventIdentifier });
        continue;
      }
      // An endpoint nobody has given a URL yet sends nothing.
      if (endpoint.baseUrl === '') continue;
      const url = new URL(endpoint.baseUrl.replace(/\/$/, '') + integration.path);
      const headers: Record<string, string> = {};
      if (endpoint.authentication === 'BASIC') {
        headers.Authorization = `Basic ${Buffer.from(`${endpoint.username ?? ''}:${endpoint.password ?? ''}`).toString('base64')}`;
      } else if (endpoint.authentication === 'URL' && endpoint.apiKey) {
        url.searchParams.set('apiKey', endpoint.apiKey);
      }
      targets.push({ url: url.toString(), headers, integration: integration.name, activity: integration.activity });
    }
    const legacyType = LEGACY_TYPES[kind];
    for (const callback of event.callbacks.filter((c) => c.type === legacyType)) {
      const headers: Record<string, string> = {};
      if (callback.authUserName !== undefined) {
        headers.Authorization = `Basic ${Buffer.from(`${callback.authUserName}:${callback.authPassword ?? ''}`).toString('base64')}`;
      }
      targets.push({ url: callback.url, headers, integration: null, activity: this.legacyActivity });
    }
    this.sender.send(event.eventIdentifier, kind, payload, targets);
  }
}

/** "YYYY-MM-DD HH:mm:ss.SSS" in UTC, as in the documented example (docs §3.2; format UNVERIFIED). */
function webhookDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

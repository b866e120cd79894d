import type { Directory } from './directory';
import type {
  EndpointAuth,
  InboundAuth,
  InboundIntegration,
  OutboundIntegration,
  ResponseOption,
  SimEndpoint,
  SimForm,
  SimPlan,
  TriggerKind,
} from './plan-model';

/** A change an admin asked for that cannot be made; nothing was changed. */
export class PlanError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface EndpointChange {
  baseUrl?: string;
  authentication?: EndpointAuth;
  username?: string | null;
  password?: string | null;
  apiKey?: string | null;
}

/** The instance's plans and what admins change in them on the Developer tab. */
export class PlanStore {
  readonly plans: SimPlan[] = [];

  constructor(private readonly directory: Directory) {}

  add(plan: SimPlan): void {
    this.plans.push(plan);
  }

  /** Edit Plan → name, as an admin does before importing another copy of the same plan. */
  rename(planId: string, name: string): SimPlan {
    const plan = this.plan(planId);
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100) throw new PlanError(400, 'A plan name is 1 to 100 characters.');
    if (this.plans.some((p) => p !== plan && p.name.toLowerCase() === trimmed.toLowerCase())) throw new PlanError(409, `A plan named "${trimmed}" already exists.`);
    plan.name = trimmed;
    return plan;
  }

  plan(planId: string): SimPlan {
    const plan = this.plans.find((p) => p.id === planId);
    if (!plan) throw new PlanError(404, `There is no plan ${planId}.`);
    return plan;
  }

  inbound(functionId: string): { plan: SimPlan; integration: InboundIntegration; form: SimForm } | undefined {
    for (const plan of this.plans) {
      const integration = plan.inbound.find((i) => i.id === functionId);
      const form = integration && plan.forms.find((f) => f.id === integration.formId);
      if (integration && form) return { plan, integration, form };
    }
    return undefined;
  }

  form(formId: string): { plan: SimPlan; form: SimForm } | undefined {
    for (const plan of this.plans) {
      const form = plan.forms.find((f) => f.id === formId);
      if (form) return { plan, form };
    }
    return undefined;
  }

  outbound(formId: string, kind: TriggerKind): Array<{ integration: OutboundIntegration; endpoint: SimEndpoint | undefined }> {
    const found = this.form(formId);
    if (!found) return [];
    return found.plan.outbound
      .filter((o) => o.formId === formId && o.triggeredBy === kind)
      .map((integration) => ({ integration, endpoint: found.plan.endpoints.find((e) => e.name === integration.endpointName) }));
  }

  integration(integrationId: string): { plan: SimPlan; inbound?: InboundIntegration; outbound?: OutboundIntegration } {
    for (const plan of this.plans) {
      const inbound = plan.inbound.find((i) => i.id === integrationId);
      if (inbound) return { plan, inbound };
      const outbound = plan.outbound.find((o) => o.id === integrationId);
      if (outbound) return { plan, outbound };
    }
    throw new PlanError(404, `There is no integration ${integrationId}.`);
  }

  setEndpoint(planId: string, endpointName: string, change: EndpointChange): SimEndpoint {
    const endpoint = this.plan(planId).endpoints.find((e) => e.name === endpointName);
    if (!endpoint) throw new PlanError(404, `The plan has no endpoint named "${endpointName}".`);
    const next = { ...endpoint, ...change };
    if (next.baseUrl !== '' && !isWebUrl(next.baseUrl)) throw new PlanError(400, 'The endpoint URL must be an http or https URL.');
    if (next.authentication === 'BASIC' && !next.username) throw new PlanError(400, 'Basic authentication needs a username.');
    if (next.authentication === 'URL' && !next.apiKey) throw new PlanError(400, 'URL authentication needs a key.');
    Object.assign(endpoint, next);
    return endpoint;
  }

  setInboundAuth(integrationId: string, authType: InboundAuth): InboundIntegration {
    const { inbound } = this.integration(integrationId);
    if (!inbound) throw new PlanError(400, 'Only inbound integrations have an authentication method.');
    inbound.authType = authType;
    return inbound;
  }

  setAccess(planId: string, targetNames: string[]): SimPlan {
    const plan = this.plan(planId);
    plan.access = new Set(this.people(targetNames));
    return plan;
  }

  setSenders(formId: string, targetNames: string[]): SimForm {
    const found = this.form(formId);
    if (!found) throw new PlanError(404, `There is no form ${formId}.`);
    found.form.senders = new Set(this.people(targetNames));
    return found.form;
  }

  setResponses(formId: string, responses: ResponseOption[]): SimForm {
    const found = this.form(formId);
    if (!found) throw new PlanError(404, `There is no form ${formId}.`);
    if (responses.length === 0) throw new PlanError(400, 'A form needs at least one response option.');
    const texts = responses.map((r) => r.text.trim());
    if (texts.some((t) => t === '')) throw new PlanError(400, 'A response option needs a text.');
    if (new Set(texts).size !== texts.length) throw new PlanError(400, 'Two response options have the same text.');
    found.form.responses = responses.map((r) => ({ ...r, text: r.text.trim() }));
    return found.form;
  }

  private people(targetNames: string[]): string[] {
    const unknown = targetNames.filter((name) => !this.directory.person(name));
    if (unknown.length > 0) throw new PlanError(400, `No user has the user ID ${unknown.map((n) => `"${n}"`).join(', ')}.`);
    return [...new Set(targetNames)];
  }
}

export function isWebUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

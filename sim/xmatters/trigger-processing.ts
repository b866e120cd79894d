import type { ActivityEntry } from './activity';
import type { SimClock } from './clock';
import { NoRecipients, type EventStore } from './events';
import { runInboundScript, type ScriptRequest } from './inbound-script';
import type { InboundIntegration, SimForm, SimPlan } from './plan-model';
import { validateTrigger } from './trigger-validation';

// What happens after an inbound integration answered 202 (E1, E2): shortly after, the script runs
// (or the body is taken as the trigger), the sender's permissions and the trigger are checked, and
// the event is created, or not, with the reason only in the integration's Activity Stream.

export interface AcceptedRequest {
  plan: SimPlan;
  form: SimForm;
  integration: InboundIntegration;
  submitter: string;
  request: ScriptRequest;
  /** The Activity Stream entry of the request, completed by the processing. */
  entry: ActivityEntry;
}

export class TriggerProcessor {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly events: EventStore,
    private readonly clock: SimClock,
    private readonly delayMs: number,
  ) {}

  accept(accepted: AcceptedRequest): void {
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.pending.add(done);
    this.clock.afterMs(this.delayMs, () => {
      try {
        this.process(accepted);
      } finally {
        this.pending.delete(done);
        settle();
      }
    });
  }

  busy(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves when every accepted request has been processed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private process({ plan, form, integration, submitter, request, entry }: AcceptedRequest): void {
    const log = (line: string) => entry.log.push(line);
    const finish = (outcome: ActivityEntry['outcome'], title: string) => {
      entry.outcome = outcome;
      entry.title = title;
    };

    let posted: unknown[];
    if (integration.script !== null) {
      const outcome = runInboundScript(integration.script, request, Object.fromEntries(plan.constants.map((c) => [c.name, c.value])));
      outcome.log.forEach(log);
      posted = outcome.posted;
      if (outcome.error) log(`Script error: ${outcome.error}`);
    } else {
      try {
        posted = [JSON.parse(request.body) as unknown];
      } catch {
        return finish('error', 'No event: the request body is not valid JSON');
      }
    }
    if (posted.length === 0) return finish('error', 'No event: the script did not post a trigger to the form');

    const created: number[] = [];
    for (const body of posted) {
      if (!plan.access.has(submitter)) {
        log(`${submitter} has no access permission to the plan "${plan.name}".`);
        continue;
      }
      if (!form.senders.has(submitter)) {
        log(`${submitter} has no sender permission on the form "${form.name}".`);
        continue;
      }
      const validation = validateTrigger(body, form, { legacyCallbacks: false });
      if (!validation.ok) {
        log('There are data validation errors in the form.');
        for (const detail of validation.errorDetails) log(`  ${detail.jsonPath || '(body)'}: ${detail.details}`);
        continue;
      }
      validation.warnings.forEach(log);
      try {
        const event = this.events.create(validation.trigger, { plan, form, requestId: request.requestId, submitter });
        created.push(event.eventIdentifier);
        log(`Event ${event.eventIdentifier} created.`);
      } catch (error) {
        if (!(error instanceof NoRecipients)) throw error;
        log(error.message);
      }
    }
    entry.eventIdentifier = created[0] ?? null;
    if (created.length === 0) finish('error', 'No event was created');
    else finish('ok', `Event${created.length > 1 ? 's' : ''} ${created.join(', ')} created`);
  }
}

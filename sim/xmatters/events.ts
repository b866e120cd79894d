import { randomUUID } from 'node:crypto';
import type { SimClock } from './clock';
import type { Directory, SimGroup, SimPerson } from './directory';
import { escalationSteps, type EscalationStep } from './on-call';
import type { ResponseOption, SimForm, SimPlan } from './plan-model';
import type { LegacyCallback, SimRecipient, ValidTrigger } from './trigger-validation';
import type { WebhookDispatcher } from './webhooks';

// Events and their life: people targeted directly are notified at once, groups through the
// escalation steps of their shifts (E24: further steps only while nobody reached through the group
// has answered positively); every notification, answer, comment, escalation and failure sends the
// outbound integrations' webhooks. A person may answer again (E17). An event ends when it expires
// (expirationInMinutes, default 180, E18), on an answer whose action is End (E17), or when it is
// terminated through the REST API, never because everyone has answered.

export interface SimResponse {
  response: string;
  comment: string | null;
  device: string | null;
  at: string;
}

export interface SimNotification {
  targetName: string;
  displayName: string;
  /** The group the person was reached through, or null when targeted directly. */
  via: string | null;
  device: string | null;
  deviceId: string | null;
  deliveryStatus: 'Delivered' | 'Failed';
  notifiedAt: string;
  /** The latest answer. */
  response: string | null;
  comment: string | null;
  respondedAt: string | null;
  responses: SimResponse[];
}

export interface SimComment {
  id: string;
  author: string;
  comment: string;
  created: string;
}

export interface TimelineEntry {
  at: string;
  kind: 'status' | 'notification' | 'delivery' | 'response' | 'comment' | 'escalation' | 'failure';
  text: string;
}

export interface SimEvent {
  eventIdentifier: number;
  id: string;
  /** The inbound request that created it; null for the legacy form API. */
  requestId: string | null;
  planId: string;
  formId: string;
  name: string;
  submitter: string;
  created: string;
  terminated: string | null;
  /** Upper case, as the REST API has it (E15). */
  status: 'ACTIVE' | 'TERMINATED';
  priority: ValidTrigger['priority'];
  expirationInMinutes: number;
  properties: Record<string, string>;
  recipients: SimRecipient[];
  /** Recipients that named nobody in the directory. */
  unresolved: SimRecipient[];
  notifications: SimNotification[];
  comments: SimComment[];
  timeline: TimelineEntry[];
  callbacks: LegacyCallback[];
}

export interface AutoResponse {
  response: string;
  comment?: string;
  delayMs: number;
}

export class RespondError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** None of the trigger's recipients exists: xMatters creates no event. */
export class NoRecipients extends Error {}

/** A group's escalation through one of its shifts, for one event. */
interface GroupRun {
  group: SimGroup;
  steps: EscalationStep[];
  next: number;
  cancel: () => void;
}

interface EventState {
  runs: GroupRun[];
  cancelExpiry: () => void;
}

export class EventStore {
  readonly events: SimEvent[] = [];
  private nextEventIdentifier = 1360001;
  private readonly state = new Map<number, EventState>();
  private autoResponses = new Map<string, AutoResponse>();
  /** Scheduled auto-responses, and how to settle each one's promise when closing. */
  private readonly scheduled = new Map<NodeJS.Timeout, { done: Promise<void>; settle: () => void }>();

  constructor(
    private readonly directory: Directory,
    private readonly webhooks: WebhookDispatcher,
    private readonly clock: SimClock,
    private readonly formOf: (formId: string) => { plan: SimPlan; form: SimForm } | undefined,
  ) {}

  /** From now on, these people answer their notifications by themselves after `delayMs`; `*` is everyone without a rule of their own. */
  autoRespond(rules: Record<string, AutoResponse>): void {
    for (const [targetName, rule] of Object.entries(rules)) this.autoResponses.set(targetName, rule);
    for (const event of this.events) for (const n of event.notifications) this.scheduleAutoResponse(event, n);
  }

  /** Creates the event, or throws NoRecipients. */
  create(trigger: ValidTrigger, origin: { plan: SimPlan; form: SimForm; requestId: string | null; submitter: string }): SimEvent {
    const resolved = trigger.recipients.map((recipient) => ({ recipient, target: this.resolve(recipient) }));
    const unresolved = resolved.filter((r) => r.target === undefined).map((r) => r.recipient);
    if (unresolved.length === trigger.recipients.length) {
      throw new NoRecipients(`None of the recipients exists: ${unresolved.map(recipientName).join(', ')}.`);
    }
    const now = new Date();
    const event: SimEvent = {
      eventIdentifier: this.nextEventIdentifier++,
      id: randomUUID(),
      requestId: origin.requestId,
      planId: origin.plan.id,
      formId: origin.form.id,
      name: origin.form.name,
      submitter: origin.submitter,
      created: now.toISOString(),
      terminated: null,
      status: 'ACTIVE',
      priority: trigger.priority,
      expirationInMinutes: trigger.expirationInMinutes,
      properties: trigger.properties,
      recipients: trigger.recipients,
      unresolved,
      notifications: [],
      comments: [],
      timeline: [],
      callbacks: trigger.callbacks,
    };
    this.events.push(event);
    const state: EventState = {
      runs: [],
      cancelExpiry: this.clock.afterMinutes(event.expirationInMinutes, () => this.terminate(event, `expired after ${event.expirationInMinutes} minutes`)),
    };
    this.state.set(event.eventIdentifier, state);
    this.note(event, 'status', `Event created by ${origin.submitter} from form "${origin.form.name}"`);
    this.webhooks.emit(event, 'STATUS', { status: 'active' });
    for (const recipient of unresolved) this.note(event, 'failure', `No user or group named "${recipientName(recipient)}": not notified`);

    for (const { recipient, target } of resolved) {
      if (!target) continue;
      if ('groupType' in target) {
        this.targetGroup(event, state, recipient, target, now.getTime());
      } else if (target.status !== 'ACTIVE') {
        this.targetedFailure(event, recipient, 'PERSON', 'INACTIVE', `${target.targetName} is inactive`);
      } else if (!event.notifications.some((n) => n.targetName === target.targetName)) {
        this.notify(event, target, null);
        if (target.devices.length === 0) this.targetedFailure(event, recipient, 'PERSON', 'NO_DEVICES', `${target.targetName} has no devices`);
      }
    }
    return event;
  }

  find(key: string | number): SimEvent | undefined {
    const text = String(key);
    return /^\d+$/.test(text) ? this.events.find((e) => e.eventIdentifier === Number(text)) : this.events.find((e) => e.id === text);
  }

  respond(eventIdentifier: number, targetName: string, response: string, comment?: string | null): SimNotification {
    const event = this.find(eventIdentifier);
    if (!event) throw new RespondError(404, `There is no event ${eventIdentifier}.`);
    const notification = event.notifications.find((n) => n.targetName === targetName);
    if (!notification) throw new RespondError(404, `Event ${eventIdentifier} did not notify ${targetName}.`);
    const options = this.formOf(event.formId)?.form.responses ?? [];
    const option = options.find((o) => o.text.toLowerCase() === response.trim().toLowerCase());
    if (!option) throw new RespondError(400, `"${response}" is not a response option of this event; use ${options.map((o) => `"${o.text}"`).join(', ')}.`);
    if (notification.deliveryStatus !== 'Delivered') throw new RespondError(409, `The notification to ${targetName} was not delivered.`);
    if (event.status !== 'ACTIVE') throw new RespondError(409, `Event ${eventIdentifier} has ended.`);

    const answer: SimResponse = { response: option.text, comment: comment?.trim() ? comment.trim() : null, device: notification.device, at: new Date().toISOString() };
    notification.responses.push(answer);
    notification.response = answer.response;
    notification.comment = answer.comment;
    notification.respondedAt = answer.at;
    this.note(event, 'response', `${targetName} responded ${answer.response}${answer.comment ? `: “${answer.comment}”` : ''}`);
    this.webhooks.emit(
      event,
      'RESPONSE',
      { recipient: targetName, response: answer.response, annotation: answer.comment ?? 'null', device: notification.device },
      answer.response,
    );
    this.act(event, notification, option);
    return notification;
  }

  /** A comment on the event (REST annotations, E27, or the responder's inbox). */
  comment(key: string | number, author: SimPerson, text: string): SimComment {
    const event = this.find(key);
    if (!event) throw new RespondError(404, `There is no event ${key}.`);
    const comment = text.trim();
    if (comment === '') throw new RespondError(400, 'The comment is empty.');
    if (comment.length > 2000) throw new RespondError(400, 'A comment is at most 2000 characters.');
    const annotation: SimComment = { id: randomUUID(), author: author.targetName, comment, created: new Date().toISOString() };
    event.comments.push(annotation);
    this.note(event, 'comment', `${author.targetName} commented: “${comment}”`);
    this.webhooks.emit(event, 'ANNOTATION', {
      annotation: { id: annotation.id, comment, author: { targetName: author.targetName, firstName: author.firstName, lastName: author.lastName } },
    });
    return annotation;
  }

  terminate(event: SimEvent, reason: string): void {
    if (event.status !== 'ACTIVE') return;
    event.status = 'TERMINATED';
    event.terminated = new Date().toISOString();
    const state = this.state.get(event.eventIdentifier);
    state?.cancelExpiry();
    for (const run of state?.runs ?? []) run.cancel();
    this.state.delete(event.eventIdentifier);
    this.note(event, 'status', `Event terminated: ${reason}`);
    this.webhooks.emit(event, 'STATUS', { status: 'terminated' });
  }

  /** A person's notifications, newest first. */
  inbox(targetName: string): Array<{ event: SimEvent; notification: SimNotification }> {
    return this.events
      .flatMap((event) => event.notifications.filter((n) => n.targetName === targetName).map((notification) => ({ event, notification })))
      .reverse();
  }

  autoResponsesPending(): boolean {
    return this.scheduled.size > 0;
  }

  /** Resolves when no auto-response is waiting for its delay. */
  async autoResponsesDone(): Promise<void> {
    while (this.scheduled.size > 0) await Promise.all([...this.scheduled.values()].map((s) => s.done));
  }

  close(): void {
    for (const [timer, { settle }] of this.scheduled) {
      clearTimeout(timer);
      settle();
    }
    this.scheduled.clear();
  }

  private resolve(recipient: SimRecipient): SimPerson | SimGroup | undefined {
    const key = 'targetName' in recipient ? recipient.targetName : recipient.id;
    const type = 'recipientType' in recipient ? recipient.recipientType : undefined;
    if (type === 'DEVICE' || type === 'DYNAMIC_TEAM') return undefined;
    const person = type === 'GROUP' ? undefined : this.directory.person(key);
    return person ?? (type === 'PERSON' ? undefined : this.directory.group(key));
  }

  private targetGroup(event: SimEvent, state: EventState, recipient: SimRecipient, group: SimGroup, now: number): void {
    if (group.status !== 'ACTIVE') return this.targetedFailure(event, recipient, 'GROUP', 'INACTIVE', `the group ${group.targetName} is inactive`);
    const shifts = escalationSteps(this.directory, group, now).filter((steps) => steps.length > 0);
    if (shifts.length === 0) return this.targetedFailure(event, recipient, 'GROUP', 'NO_ONE_ON_DUTY', `nobody in ${group.targetName} can be notified now`);
    for (const steps of shifts) {
      const run: GroupRun = { group, steps, next: 0, cancel: () => {} };
      state.runs.push(run);
      this.runStep(event, run, null);
    }
  }

  /** Notifies the run's next step, then waits for the one after it. */
  private runStep(event: SimEvent, run: GroupRun, reason: string | null): void {
    const step = run.steps[run.next];
    if (!step || event.status !== 'ACTIVE') return;
    run.next += 1;
    const fresh = step.people.filter((person) => !event.notifications.some((n) => n.targetName === person.targetName));
    if (reason !== null) {
      this.note(event, 'escalation', `${run.group.targetName}${step.shift ? ` (${step.shift})` : ''} escalated to ${step.people.map((p) => p.targetName).join(', ')}: ${reason}`);
      this.webhooks.emit(event, 'ESCALATION', {
        escalation: { group: run.group.targetName, shift: step.shift, reason, recipients: fresh.map((p) => p.targetName) },
      });
    }
    for (const person of fresh) {
      this.notify(event, person, run.group.targetName);
      if (person.devices.length === 0) this.note(event, 'failure', `${person.targetName} has no devices`);
    }
    const following = run.steps[run.next];
    if (!following) return;
    run.cancel = this.clock.afterMinutes(following.afterMinutes, () => {
      if (this.participationRequired(event, run.group)) this.runStep(event, run, `nobody accepted within ${following.afterMinutes} minutes`);
      else this.note(event, 'escalation', `${run.group.targetName}: no further escalation, someone accepted`);
    });
  }

  /** E24: further members only while nobody reached through the group has answered positively. */
  private participationRequired(event: SimEvent, group: SimGroup): boolean {
    const options = this.formOf(event.formId)?.form.responses ?? [];
    return !event.notifications.some(
      (n) => n.via === group.targetName && options.find((o) => o.text === n.response)?.contribution === 'POSITIVE',
    );
  }

  private act(event: SimEvent, notification: SimNotification, option: ResponseOption): void {
    if (option.action === 'END') {
      this.terminate(event, `${notification.targetName} responded ${option.text}`);
    } else if (option.action === 'ESCALATE') {
      for (const run of this.state.get(event.eventIdentifier)?.runs ?? []) {
        if (run.group.targetName !== notification.via || run.next >= run.steps.length) continue;
        run.cancel();
        this.runStep(event, run, `${notification.targetName} responded ${option.text}`);
      }
    }
  }

  private notify(event: SimEvent, person: SimPerson, via: string | null): void {
    const device = person.devices[0];
    const notification: SimNotification = {
      targetName: person.targetName,
      displayName: `${person.firstName} ${person.lastName}`,
      via,
      device: device?.name ?? null,
      deviceId: device?.id ?? null,
      deliveryStatus: device ? 'Delivered' : 'Failed',
      notifiedAt: new Date().toISOString(),
      response: null,
      comment: null,
      respondedAt: null,
      responses: [],
    };
    event.notifications.push(notification);
    const message = device ? `Delivered ${device.name} to ${person.targetName}` : `Failed sending to ${person.targetName}: no devices`;
    this.note(event, 'delivery', via ? `${message} (via ${via})` : message);
    this.webhooks.emit(event, 'DELIVERYSTATUS', {
      recipient: person.targetName,
      device: notification.device,
      deviceId: notification.deviceId,
      deliveryStatus: notification.deliveryStatus,
      message,
      eventType: 'NOTIFICATION',
    });
    this.scheduleAutoResponse(event, notification);
  }

  private targetedFailure(event: SimEvent, recipient: SimRecipient, recipientType: 'PERSON' | 'GROUP', reason: string, text: string): void {
    this.note(event, 'failure', `Could not target ${recipientName(recipient)}: ${text}`);
    this.webhooks.emit(event, 'TARGETED_RECIPIENT_FAILURE', { recipient: recipientName(recipient), recipientType, reason, message: `Could not target ${recipientName(recipient)}: ${text}` });
  }

  private scheduleAutoResponse(event: SimEvent, notification: SimNotification): void {
    const rule = this.autoResponses.get(notification.targetName) ?? this.autoResponses.get('*');
    if (!rule || notification.deliveryStatus !== 'Delivered' || notification.response) return;
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      this.scheduled.delete(timer);
      if (!notification.response && event.status === 'ACTIVE') {
        this.respond(event.eventIdentifier, notification.targetName, rule.response, rule.comment);
      }
      settle();
    }, rule.delayMs);
    this.scheduled.set(timer, { done, settle });
  }

  private note(event: SimEvent, kind: TimelineEntry['kind'], text: string): void {
    event.timeline.push({ at: new Date().toISOString(), kind, text });
  }
}

export function recipientName(recipient: SimRecipient): string {
  return 'targetName' in recipient ? recipient.targetName : recipient.id;
}

import { randomUUID } from 'node:crypto';
import type { CallbackSender, CallbackTarget } from './callback-sender';
import type { Directory, SimPerson } from './directory';
import type { SimCallbackSpec, SimRecipient, SimTriggerBody } from './trigger-body';

// Events created by triggers, their notifications, and the callbacks they cause (docs §3): on
// creation a status "active", then a delivery status per notified person ("Delivered", or
// "Failed" for a person without devices); each answer a response; when everyone reached has
// answered, status "terminated".

export const RESPONSE_OPTIONS = ['Accept', 'Decline'] as const;
export type ResponseOption = (typeof RESPONSE_OPTIONS)[number];

export interface SimNotification {
  targetName: string;
  displayName: string;
  /** The group the person was reached through, or null when targeted directly. */
  via: string | null;
  device: string | null;
  deviceId: string | null;
  deliveryStatus: 'Delivered' | 'Failed';
  response: ResponseOption | null;
  comment: string | null;
  respondedAt: string | null;
}

export interface SimEvent {
  eventIdentifier: number;
  id: string;
  requestId: string;
  created: string;
  status: 'active' | 'terminated';
  priority: SimTriggerBody['priority'];
  properties: Record<string, string>;
  recipients: SimRecipient[];
  /** Recipients that named nobody in the directory. */
  unresolved: SimRecipient[];
  notifications: SimNotification[];
  callbacks: SimCallbackSpec[];
}

export interface AutoResponse {
  response: ResponseOption;
  comment?: string;
  delayMs: number;
}

export class RespondError extends Error {
  constructor(
    readonly status: 404 | 409 | 400,
    message: string,
  ) {
    super(message);
  }
}

export class EventStore {
  readonly events: SimEvent[] = [];
  private nextEventIdentifier = 1360001;
  private outbound: CallbackTarget | null = null;
  private autoResponses = new Map<string, AutoResponse>();
  /** Scheduled auto-responses: the timer, and how to settle its promise when closing. */
  private readonly scheduled = new Map<NodeJS.Timeout, { done: Promise<void>; settle: () => void }>();

  constructor(
    private readonly directory: Directory,
    private readonly sender: CallbackSender,
  ) {}

  /** An outbound integration ("Send a webhook") receiving every callback type. */
  setOutbound(target: CallbackTarget | null): void {
    this.outbound = target;
  }

  /** From now on, these people answer their notifications by themselves after `delayMs`. */
  autoRespond(rules: Record<string, AutoResponse>): void {
    for (const [targetName, rule] of Object.entries(rules)) this.autoResponses.set(targetName, rule);
    for (const event of this.events) for (const n of event.notifications) this.scheduleAutoResponse(event, n);
  }

  create(body: SimTriggerBody, requestId: string): SimEvent {
    const event: SimEvent = {
      eventIdentifier: this.nextEventIdentifier++,
      id: randomUUID(),
      requestId,
      created: new Date().toISOString(),
      status: 'active',
      priority: body.priority,
      properties: body.properties,
      recipients: body.recipients,
      unresolved: [],
      notifications: [],
      callbacks: body.callbacks,
    };
    const reached = new Map<string, { person: SimPerson; via: string | null }>();
    for (const recipient of body.recipients) {
      const resolved = this.resolve(recipient);
      if (resolved.length === 0) event.unresolved.push(recipient);
      for (const entry of resolved) if (!reached.has(entry.person.targetName)) reached.set(entry.person.targetName, entry);
    }
    for (const { person, via } of reached.values()) {
      const device = person.devices[0];
      event.notifications.push({
        targetName: person.targetName,
        displayName: `${person.firstName} ${person.lastName}`,
        via,
        device: device?.name ?? null,
        deviceId: device?.id ?? null,
        deliveryStatus: device ? 'Delivered' : 'Failed',
        response: null,
        comment: null,
        respondedAt: null,
      });
    }
    this.events.push(event);

    this.emit(event, 'status', { status: event.status });
    for (const n of event.notifications) {
      this.emit(event, 'deliveryStatus', {
        recipient: n.targetName,
        device: n.device,
        deviceId: n.deviceId,
        deliveryStatus: n.deliveryStatus,
        message: n.device ? `Delivered ${n.device} to ${n.targetName}` : `Failed sending to ${n.targetName}: no devices`,
        eventType: 'NOTIFICATION',
      });
      this.scheduleAutoResponse(event, n);
    }
    this.terminateWhenAnswered(event);
    return event;
  }

  respond(eventIdentifier: number, targetName: string, response: string, comment?: string | null): SimNotification {
    const event = this.events.find((e) => e.eventIdentifier === eventIdentifier);
    if (!event) throw new RespondError(404, `There is no event ${eventIdentifier}.`);
    const notification = event.notifications.find((n) => n.targetName === targetName);
    if (!notification) throw new RespondError(404, `Event ${eventIdentifier} did not notify ${targetName}.`);
    if (!RESPONSE_OPTIONS.includes(response as ResponseOption)) {
      throw new RespondError(400, `"${response}" is not a response option; use ${RESPONSE_OPTIONS.join(' or ')}.`);
    }
    if (notification.deliveryStatus !== 'Delivered') throw new RespondError(409, `The notification to ${targetName} was not delivered.`);
    if (event.status !== 'active') throw new RespondError(409, `Event ${eventIdentifier} has ended.`);
    if (notification.response) throw new RespondError(409, `${targetName} already answered ${notification.response}.`);

    notification.response = response as ResponseOption;
    notification.comment = comment?.trim() ? comment.trim() : null;
    notification.respondedAt = new Date().toISOString();
    this.emit(event, 'response', {
      recipient: targetName,
      response: notification.response,
      annotation: notification.comment ?? 'null',
      device: notification.device,
    });
    this.terminateWhenAnswered(event);
    return notification;
  }

  /** A person's notifications, newest first. */
  inbox(targetName: string): Array<{ event: SimEvent; notification: SimNotification }> {
    return this.events
      .flatMap((event) =>
        event.notifications.filter((n) => n.targetName === targetName).map((notification) => ({ event, notification })),
      )
      .reverse();
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

  private resolve(recipient: SimRecipient): Array<{ person: SimPerson; via: string | null }> {
    const key = 'targetName' in recipient ? recipient.targetName : recipient.id;
    const wantPerson = !('recipientType' in recipient) || recipient.recipientType === 'PERSON';
    const wantGroup = !('recipientType' in recipient) || recipient.recipientType === 'GROUP';
    const person = wantPerson ? this.directory.person(key) : undefined;
    if (person) return person.status === 'ACTIVE' ? [{ person, via: null }] : [];
    const group = wantGroup ? this.directory.group(key) : undefined;
    if (!group || group.status !== 'ACTIVE') return [];
    return this.directory.onCall(group).map((member) => ({ person: member, via: group.targetName }));
  }

  private terminateWhenAnswered(event: SimEvent): void {
    const waiting = event.notifications.some((n) => n.deliveryStatus === 'Delivered' && n.response === null);
    if (waiting || event.status !== 'active') return;
    event.status = 'terminated';
    this.emit(event, 'status', { status: event.status });
  }

  private scheduleAutoResponse(event: SimEvent, notification: SimNotification): void {
    const rule = this.autoResponses.get(notification.targetName);
    if (!rule || notification.deliveryStatus !== 'Delivered' || notification.response) return;
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      this.scheduled.delete(timer);
      if (!notification.response && event.status === 'active') {
        this.respond(event.eventIdentifier, notification.targetName, rule.response, rule.comment);
      }
      settle();
    }, rule.delayMs);
    this.scheduled.set(timer, { done, settle });
  }

  private emit(event: SimEvent, type: SimCallbackSpec['type'], fields: Record<string, unknown>): void {
    const payload = {
      eventIdentifier: event.eventIdentifier,
      date: callbackDate(new Date()),
      eventProperties: Object.entries(event.properties).map(([name, value]) => ({ [name]: value })),
      ...fields,
    };
    const targets: CallbackTarget[] = event.callbacks
      .filter((callback) => callback.type === type)
      .map((callback) => ({
        url: callback.url,
        ...(callback.authUserName === undefined ? {} : { username: callback.authUserName, password: callback.authPassword ?? '' }),
      }));
    if (this.outbound) targets.push(this.outbound);
    this.sender.send(event.eventIdentifier, type, payload, targets);
  }
}

/** "YYYY-MM-DD HH:mm:ss.SSS" in UTC, as in the documented example (docs §3.2; format UNVERIFIED). */
function callbackDate(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

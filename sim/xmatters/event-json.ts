import type { Directory, SimGroup, SimPerson } from './directory';
import type { SimComment, SimEvent } from './events';
import type { ShiftNow } from './on-call';
import type { PlanStore } from './plan-store';

// The xmapi objects the simulator returns. The Event object follows the examples in demisto/content
// Packs/XMatters xMatters_test.py (fixture test/fixtures/xmatters/event.json), with
// `expirationInMinutes` from the xmapi example (E18) and the status in upper case (E15). The
// annotation and on-call shapes: see the README table.

const BASE = '/api/xm/1';

/** "2016-10-31T22:37:35.301+0000", as xmapi writes times. */
export function xmDate(iso: string): string {
  return iso.replace(/Z$/, '+0000');
}

export function personRef(person: SimPerson | undefined, fallbackName: string) {
  return person
    ? { id: person.id, targetName: person.targetName, firstName: person.firstName, lastName: person.lastName, recipientType: 'PERSON', links: { self: `${BASE}/people/${person.id}` } }
    : { targetName: fallbackName, recipientType: 'PERSON' };
}

export function eventJson(event: SimEvent, plans: PlanStore, directory: Directory) {
  const found = plans.form(event.formId);
  return {
    id: event.id,
    name: event.name,
    eventType: 'USER',
    plan: { id: event.planId, name: found?.plan.name ?? '' },
    form: { id: event.formId, name: found?.form.name ?? event.name },
    floodControl: false,
    submitter: personRef(directory.person(event.submitter), event.submitter),
    priority: event.priority,
    incident: `INCIDENT_ID-${event.eventIdentifier}`,
    overrideDeviceRestrictions: false,
    escalationOverride: false,
    bypassPhoneIntro: false,
    requirePhonePassword: false,
    eventId: String(event.eventIdentifier),
    created: xmDate(event.created),
    ...(event.terminated ? { terminated: xmDate(event.terminated) } : {}),
    status: event.status,
    expirationInMinutes: event.expirationInMinutes,
    links: { self: `${BASE}/events/${event.id}` },
    responseCountsEnabled: false,
    properties: event.properties,
  };
}

export function annotationJson(event: SimEvent, comment: SimComment, directory: Directory) {
  return {
    id: comment.id,
    event: { id: event.id, eventId: String(event.eventIdentifier), links: { self: `${BASE}/events/${event.id}` } },
    author: personRef(directory.person(comment.author), comment.author),
    comment: comment.comment,
    created: xmDate(comment.created),
    links: { self: `${BASE}/events/${event.id}/annotations/${comment.id}` },
  };
}

/** One entry of `GET /on-call`: a group's shift now and its members in timeline order (E23). */
export function onCallJson(group: SimGroup, shift: ShiftNow) {
  const members = shift.members.map((m, i) => ({
    position: i + 1,
    delay: m.delayMinutes,
    escalationType: 'NONE',
    member: m.person
      ? { ...personRef(m.person, m.targetName), status: m.person.status }
      : { targetName: m.targetName, recipientType: 'PERSON' },
    ...(m.skipped === 'absent' && m.person
      ? { absences: { count: m.person.absences.length, total: m.person.absences.length, data: m.person.absences.map((a) => ({ absenceType: 'TEMPORARY', start: xmDate(a.start), end: xmDate(a.end) })) } }
      : {}),
  }));
  return {
    group: { id: group.id, targetName: group.targetName, recipientType: 'GROUP', links: { self: `${BASE}/groups/${group.id}` } },
    ...(shift.name === null ? {} : { shift: { id: `${group.id}:${shift.name}`, name: shift.name, links: { self: `${BASE}/groups/${group.id}/shifts/${encodeURIComponent(shift.name)}` } } }),
    ...(shift.start && shift.end ? { start: xmDate(shift.start), end: xmDate(shift.end) } : {}),
    members: { count: members.length, total: members.length, data: members },
  };
}

import type { Directory, SimGroup, SimPerson, SimShift, SimShiftMember } from './directory';

// Who a group reaches now (help.xmatters.com groups-escalations.htm, manage-on-call-schedules.htm; E24):
// the shifts active now, each a timeline of members with escalation delays; a group without shifts
// has the default shift, always active, every member at once; a broadcast group reaches every member.
// Inactive members and members on a temporary absence are skipped, and so is the delay after them.

export const DEFAULT_SHIFT = 'Default Shift';

export interface ShiftNow {
  /** null for a broadcast group, which has no shift. */
  name: string | null;
  /** The timeline as it stands now, rotations applied, with the skipped members. */
  members: Array<SimShiftMember & { person: SimPerson | undefined; skipped: 'inactive' | 'absent' | null }>;
  start: string | null;
  end: string | null;
}

/** One escalation step: who is notified, `afterMinutes` after the step before. */
export interface EscalationStep {
  shift: string | null;
  afterMinutes: number;
  people: SimPerson[];
}

export function shiftsNow(directory: Directory, group: SimGroup, now: number): ShiftNow[] {
  if (group.groupType === 'BROADCAST') {
    return [{ name: null, members: group.members.map((name) => member(directory, { targetName: name, delayMinutes: 0 }, now)), start: null, end: null }];
  }
  if (group.shifts.length === 0) {
    return [{ name: DEFAULT_SHIFT, members: group.members.map((name) => member(directory, { targetName: name, delayMinutes: 0 }, now)), start: null, end: null }];
  }
  return group.shifts
    .filter((shift) => shiftActive(shift, now))
    .map((shift) => {
      const { start, end } = shiftWindow(shift, now);
      return { name: shift.name, members: rotated(shift, now).map((m) => member(directory, m, now)), start, end };
    });
}

/** The escalation steps of each active shift, in timeline order; steps of different shifts run side by side. */
export function escalationSteps(directory: Directory, group: SimGroup, now: number): EscalationStep[][] {
  return shiftsNow(directory, group, now).map((shift) => {
    const steps: Array<EscalationStep & { at: number }> = [];
    let at = 0;
    let skipDelay = false;
    for (const m of shift.members) {
      if (!skipDelay) at += m.delayMinutes;
      skipDelay = m.skipped !== null || m.person === undefined;
      if (skipDelay) continue;
      const last = steps.at(-1);
      if (last && last.at === at) last.people.push(m.person as SimPerson);
      else steps.push({ shift: shift.name, at, afterMinutes: at - (last?.at ?? 0), people: [m.person as SimPerson] });
    }
    return steps.map(({ at: _at, ...step }) => step);
  });
}

function member(directory: Directory, m: SimShiftMember, now: number): ShiftNow['members'][number] {
  const person = directory.person(m.targetName);
  const skipped = !person ? null : person.status !== 'ACTIVE' ? 'inactive' : absent(person, now) ? 'absent' : null;
  return { ...m, person, skipped };
}

function absent(person: SimPerson, now: number): boolean {
  return person.absences.some((a) => Date.parse(a.start) <= now && now < Date.parse(a.end));
}

function shiftActive(shift: SimShift, now: number): boolean {
  const hour = new Date(now).getUTCHours();
  return (hour - shift.startHour + 24) % 24 < shift.hours;
}

function shiftWindow(shift: SimShift, now: number): { start: string; end: string } {
  const day = new Date(now);
  day.setUTCHours(shift.startHour, 0, 0, 0);
  if (day.getTime() > now) day.setUTCDate(day.getUTCDate() - 1);
  return { start: day.toISOString(), end: new Date(day.getTime() + shift.hours * 3_600_000).toISOString() };
}

/** People move one place along the timeline per turn; each place keeps its delay. */
function rotated(shift: SimShift, now: number): SimShiftMember[] {
  if (!shift.rotateEveryHours || shift.members.length < 2) return shift.members;
  const turn = Math.floor(now / (shift.rotateEveryHours * 3_600_000)) % shift.members.length;
  return shift.members.map((place, i) => ({ targetName: (shift.members[(i + turn) % shift.members.length] as SimShiftMember).targetName, delayMinutes: place.delayMinutes }));
}

import { z } from 'zod';
import { type RestContext, getJson } from './rest';
import { displayNameOf, groupSchema, pageSchema } from './schemas';

// Who a group reaches now: `GET /on-call?groups=<name>` (E23: "Get who is on call"), one entry per
// shift active now, its members in timeline order with their escalation delays. The answer does not
// say whether the group exists (an unknown or invisible group is simply left out), so the group is
// looked up first. Members who are inactive or on a temporary absence are skipped, and so is the
// delay after them (E24: groups-escalations.htm, manage-on-call-schedules.htm).

const MAX_SHIFTS = 10;
const MAX_MEMBERS = 50;

const onCallEntrySchema = z.object({
  group: z.object({ targetName: z.string() }),
  shift: z.object({ name: z.string() }).optional(),
  members: z
    .object({
      data: z.array(
        z.object({
          position: z.number().optional(),
          delay: z.number().min(0).optional(),
          member: z.object({
            targetName: z.string(),
            recipientType: z.string().optional(),
            firstName: z.string().optional(),
            lastName: z.string().optional(),
            status: z.string().optional(),
          }),
          absences: z.object({ data: z.array(z.object({ start: z.string().optional(), end: z.string().optional() })) }).optional(),
        }),
      ),
    })
    .optional(),
});

export interface OnCallPerson {
  targetName: string;
  displayName: string;
}

/** Who is notified at one step, `afterMinutes` after the step before (0 for the first). */
export interface OnCallStep {
  afterMinutes: number;
  people: OnCallPerson[];
}

export interface OnCallShift {
  name: string | null;
  steps: OnCallStep[];
}

export type OnCallNow =
  | { found: false; group: string }
  /** `shifts` empty, or every step empty: nobody is on call in the group right now. */
  | { found: true; group: string; shifts: OnCallShift[] };

/** Whether anyone at all would be notified now. */
export const anyoneOnCall = (now: OnCallNow): boolean => now.found && now.shifts.some((shift) => shift.steps.length > 0);

export async function whoIsOnCall(ctx: RestContext, groupName: string, now = Date.now()): Promise<OnCallNow> {
  const name = groupName.trim();
  // One after the other: `groups` takes the exact targetName (case-sensitive), which the search gives.
  const groups = await getJson(ctx, `${ctx.baseUrl}/groups`, { search: name, limit: 100 }, pageSchema(groupSchema));
  const group = groups.data.find((g) => g.targetName === name) ?? groups.data.find((g) => g.targetName.toLowerCase() === name.toLowerCase());
  if (!group) return { found: false, group: name };
  const onCall = await getJson(ctx, `${ctx.baseUrl}/on-call`, { groups: group.targetName, membersPerShift: MAX_MEMBERS, limit: MAX_SHIFTS }, pageSchema(onCallEntrySchema));
  const shifts = onCall.data
    .filter((entry) => entry.group.targetName === group.targetName)
    .slice(0, MAX_SHIFTS)
    .map((entry) => ({ name: entry.shift?.name ?? null, steps: stepsOf(entry, now) }));
  return { found: true, group: group.targetName, shifts };
}

type Entry = z.infer<typeof onCallEntrySchema>;

function stepsOf(entry: Entry, now: number): OnCallStep[] {
  const members = [...(entry.members?.data ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).slice(0, MAX_MEMBERS);
  const steps: Array<OnCallStep & { at: number }> = [];
  let at = 0;
  let skipDelay = false;
  for (const m of members) {
    if (!skipDelay) at += m.delay ?? 0;
    skipDelay = m.member.status === 'INACTIVE' || absentNow(m.absences?.data ?? [], now);
    if (skipDelay) continue;
    const person = { targetName: m.member.targetName, displayName: displayNameOf({ id: '', ...m.member }) };
    const last = steps.at(-1);
    if (last && last.at === at) last.people.push(person);
    else steps.push({ at, afterMinutes: at - (last?.at ?? 0), people: [person] });
  }
  return steps.map(({ afterMinutes, people }) => ({ afterMinutes, people }));
}

/** xMatters writes offsets as +0000; an absence whose times cannot be read counts as one going on. */
function absentNow(absences: Array<{ start?: string | undefined; end?: string | undefined }>, now: number): boolean {
  const read = (t: string | undefined) => (t ? Date.parse(t.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : NaN);
  return absences.some((a) => {
    const [start, end] = [read(a.start), read(a.end)];
    return Number.isNaN(start) || Number.isNaN(end) || (start <= now && now < end);
  });
}

/** The on-call line for people: "Bob Smith (bsmith); then after 10 min: Mary McBride (mmcbride)". */
export function describeOnCall(now: OnCallNow): string {
  if (!now.found) return `xMatters has no group named "${now.group}" (or the integration user may not see it).`;
  if (!anyoneOnCall(now)) return `Nobody is on call in ${now.group} right now: an invite to the group would reach no one.`;
  const shifts = now.shifts.filter((s) => s.steps.length > 0);
  const lines = shifts.map((shift) => {
    const steps = shift.steps.map((step, i) => {
      const people = step.people.map((p) => (p.displayName === p.targetName ? p.targetName : `${p.displayName} (${p.targetName})`)).join(', ');
      return i === 0 && step.afterMinutes === 0 ? people : `then after ${step.afterMinutes} min: ${people}`;
    });
    return `${shifts.length > 1 && shift.name ? `${shift.name}: ` : ''}${steps.join('; ')}`;
  });
  return `On call now in ${now.group}: ${lines.join(' | ')}`;
}

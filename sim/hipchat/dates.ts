/** Time zones for the API's `timezone` parameter ("Must be a supported timezone name", the tz database). */

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Minutes east of UTC in `timeZone` at `instant`. */
function offsetMinutes(instant: number, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(instant))
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d\d):(\d\d)/.exec(name ?? '');
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** A HipChat date (ISO-8601, microseconds, explicit offset) shown in `timeZone`. */
export function inTimeZone(hipchatDate: string, timeZone: string): string {
  const instant = Date.parse(hipchatDate);
  const offset = offsetMinutes(instant, timeZone);
  const local = new Date(instant + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const micros = hipchatDate.match(/\.\d{3}(\d{3})/)?.[1] ?? '000';
  return `${local}${micros}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const DATE_ONLY = /^(\d{4})-(\d\d)-(\d\d)$/;
const LOCAL_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?$/;
const DATE_TIME_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:?\d\d)$/;

/**
 * An ISO-8601 date parameter as milliseconds: with an offset as given; without one in `timeZone`; a bare
 * day means its start (`edge: 'start'`) or its end (`edge: 'end'`). Undefined when it is not ISO-8601.
 */
export function parseIsoDate(value: string, timeZone: string, edge: 'start' | 'end'): number | undefined {
  if (DATE_TIME_WITH_OFFSET.test(value)) {
    const parsed = Date.parse(value.replace(/(\.\d{3})\d+/, '$1').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  let local: string;
  if (DATE_ONLY.test(value)) local = `${value}T${edge === 'start' ? '00:00:00.000' : '23:59:59.999'}`;
  else if (LOCAL_DATE_TIME.test(value)) local = value.replace(/(\.\d{3})\d+/, '$1');
  else return undefined;
  const asUtc = Date.parse(`${local}Z`);
  if (Number.isNaN(asUtc)) return undefined;
  // The offset at the wall-clock time, corrected once for a DST change between the two instants.
  const first = asUtc - offsetMinutes(asUtc, timeZone) * 60_000;
  return asUtc - offsetMinutes(first, timeZone) * 60_000;
}

import type { RoomNotice } from '../invites/chat';
import { fitMessage, MAX_MESSAGE } from './draft';

/**
 * An alert's room notice as posted: its card named after the alert, "(×3)" once it has repeated, and
 * "Test event:" in front when an admin sent it from the configure tab. A repeat is posted quietly: the
 * room was alerted by the first one.
 */
export function alertNotice(base: RoomNotice, alert: { id: string; occurrences: number; test: boolean }): RoomNotice {
  const format = base.format ?? 'text';
  const prefix = alert.test ? 'Test event: ' : '';
  const suffix = alert.occurrences > 1 ? ` (×${alert.occurrences})` : '';
  const mark = (text: string) => `${prefix}${text}${suffix}`;
  return {
    ...base,
    text: mark(fitMessage(base.text, format, MAX_MESSAGE - prefix.length - suffix.length)),
    notify: base.notify && alert.occurrences === 1,
    ...(base.card ? { card: { ...base.card, id: `alert-${alert.id}`, title: mark(base.card.title) } } : {}),
  };
}

import type { NoticeColor } from '../invites/chat';

/**
 * The colour of an alert by its severity word, covering what the three tools send (docs/alerts.md):
 * Sumo Logic's TriggerType (Critical, Warning, Missing Data, Normal, ResolvedCritical…), Splunk On-Call's
 * message_type (CRITICAL, WARNING, ACKNOWLEDGEMENT, INFO, RECOVERY, OK) and Soda Cloud's outcomes
 * (pass, warn, fail, error) and incident severities (low…critical, minor, major) and statuses.
 */
const WORDS: Record<string, NoticeColor> = {
  critical: 'red',
  fatal: 'red',
  emergency: 'red',
  fail: 'red',
  failed: 'red',
  failure: 'red',
  error: 'red',
  high: 'red',
  major: 'red',
  down: 'red',
  warning: 'yellow',
  warn: 'yellow',
  medium: 'yellow',
  minor: 'yellow',
  'missing data': 'yellow',
  degraded: 'yellow',
  ok: 'green',
  pass: 'green',
  passed: 'green',
  success: 'green',
  recovery: 'green',
  recovered: 'green',
  resolved: 'green',
  normal: 'green',
  up: 'green',
  info: 'gray',
  informational: 'gray',
  low: 'gray',
  acknowledgement: 'gray',
  acknowledged: 'gray',
};

/** The colour for a severity, or undefined for a word it does not know. "Resolved…" values are green. */
export function severityColor(severity: string): NoticeColor | undefined {
  const word = severity.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  if (word.startsWith('resolved')) return 'green';
  return WORDS[word];
}

/** Red alerts alert the room (sound, badge); the others are posted quietly. */
export const notifiesFor = (color: NoticeColor) => color === 'red';

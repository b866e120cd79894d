import samplesFile from './samples.json' with { type: 'json' };
import type { AlertKind } from './settings';

/**
 * Realistic bodies for "Send a test event", per kind, as Soda Cloud's built-in tool offers one per event
 * type (docs/alerts.md §3.5): the vendors' documented payloads, copied from the test fixtures.
 */
export interface AlertSample {
  kind: AlertKind;
  name: string;
  label: string;
  /** The fixture it was copied from, under test/fixtures/alerts/. */
  fixture: string;
  payload: unknown;
}

export const ALERT_SAMPLES: readonly AlertSample[] = samplesFile.samples as AlertSample[];

import type { Chore } from '../housekeeping';
import { pruneAlerts } from '../store/alerts';
import type { Db } from '../store/db';

/** How long an alert is kept after its last occurrence: longer than any dedupe or invite window. */
const ALERT_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** Housekeeping: closed dedupe and invite windows, and alerts not seen for ALERT_RETENTION_MS. */
export function alertRetentionChore(db: Db): Chore {
  return {
    name: 'old alerts',
    run: () => {
      const now = Date.now();
      return pruneAlerts(db, now, now - ALERT_RETENTION_MS);
    },
  };
}

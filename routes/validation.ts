import type { z } from 'zod';

/** One line naming each invalid field, for a 400 answer. */
export function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { AddonError } from '../lib/errors';
import { zodMessage } from './validation';

/** A string field whose errors name it: "<label> is required" / "<label> must be text". */
export const text = (label: string) => z.string({ error: (issue) => (issue.input === undefined ? `${label} is required` : `${label} must be text`) });

/** Reads input with a schema; a mismatch is a 400 naming the first field at fault. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, code: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path[0];
  throw new AddonError(400, code, zodMessage(parsed.error), typeof field === 'string' ? { field } : {});
}

/** A JSON endpoint: never cached; whatever it throws is answered by the app's error handler. */
export function api(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    await handler(req, res);
  };
}

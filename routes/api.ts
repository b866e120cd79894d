import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { zodMessage } from './validation';

/** An answer other than success for a page's JSON endpoint: `{error:{code, message, field?}}` with `status`. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The form field the message belongs next to. */
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A string field whose errors name it: "<label> is required" / "<label> must be text". */
export const text = (label: string) => z.string({ error: (issue) => (issue.input === undefined ? `${label} is required` : `${label} must be text`) });

/** Reads input with a schema; a mismatch is a 400 Refusal naming the first field at fault. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, code: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0]?.path[0];
  throw new Refusal(400, code, zodMessage(parsed.error), typeof field === 'string' ? field : undefined);
}

/** Runs a JSON endpoint: a Refusal becomes its `{error}` answer; anything else goes to the app's error handler. */
export function api(what: string, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await handler(req, res);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      req.log.info({ code: err.code, status: err.status, field: err.field }, `${what} request refused`);
      if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(err.retryAfterSeconds));
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } });
    }
  };
}

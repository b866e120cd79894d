import type { Response } from 'express';
import type { SimPerson } from './directory';
import { sendError } from './http-errors';
import { QueryError } from './search';

/** The caller of a REST route, once authenticated. */
export function viewerOf(res: Response): SimPerson {
  return res.locals.viewer as SimPerson;
}

/** Answers the list `build` makes, or a 400 when the query was not valid. */
export function list(res: Response, build: () => unknown): void {
  try {
    res.json(build());
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    sendError(res, 400, error.message);
  }
}

import { readFileSync } from 'node:fs';

/** An alert fixture (test/fixtures/alerts/<tool>/<name>.json): the vendor's payload and the headers it documents. */
export interface AlertFixture {
  _source: string;
  headers?: Record<string, string>;
  payload: Record<string, unknown>;
}

export function alertFixture(file: string): AlertFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/alerts/${file}`, import.meta.url), 'utf8')) as AlertFixture;
}

export const alertPayload = (file: string) => alertFixture(file).payload;

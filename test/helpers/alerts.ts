import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { World } from './world';

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

/** What an admin's browser sends to create an alert source, with the defaults the configure tab fills in. */
export function sourceBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Alerts', kind: 'hipchat', rooms: [], template: null, alertKey: '', dedupeMinutes: 5, rules: [], inviteWindowMinutes: 60, ...overrides };
}

export interface CreatedSource {
  id: string;
  intakeUrl: string;
  secret: string;
  /** Path of the intake URL on the add-on, without and with the secret. */
  path: string;
  pathWithSecret: string;
}

/** Creates an alert source on the configure tab's API as Alice (the group admin). */
export async function createSource(world: World, oauthId: string, body: Record<string, unknown>, roomId?: number): Promise<CreatedSource> {
  const res = await request(world.addon.addon.app)
    .post('/configure/api/alert-sources')
    .set('Authorization', `JWT ${world.hipchat.signJwt(oauthId, { userId: 1, ...(roomId === undefined ? {} : { roomId }) })}`)
    .send(body);
  assert.equal(res.status, 201, res.text);
  const { source, secret } = res.body as { source: { id: string; intakeUrl: string }; secret: { secret: string } };
  const path = new URL(source.intakeUrl).pathname;
  return { id: source.id, intakeUrl: source.intakeUrl, secret: secret.secret, path, pathWithSecret: `${path}/${secret.secret}` };
}

/** Rows the intake writes, to show that a refusal changed nothing. */
export async function alertRows(world: World): Promise<{ alerts: number; windows: number; inviteWindows: number; jobs: number; invites: number }> {
  const db = world.addon.addon.db;
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
  return { alerts: await count('alerts'), windows: await count('alert_windows'), inviteWindows: await count('alert_invite_windows'), jobs: await count('jobs'), invites: await count('invites') };
}

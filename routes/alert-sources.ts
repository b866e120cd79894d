import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { MAX_ALERT_BODY, readBody } from '../lib/alerts/body';
import { evaluateAlerts, type EvaluatedAlert } from '../lib/alerts/evaluate';
import { acceptAlerts, type IntakeDeps } from '../lib/alerts/intake';
import { ALERT_SAMPLES } from '../lib/alerts/samples';
import { newSecret } from '../lib/alerts/secrets';
import { ALERT_SOURCES_TOPIC } from '../lib/alerts/source-cache';
import { ALERT_KINDS, compileSettings, LIMITS, type AlertKind, type CompiledSettings, type SourceRoom, type SourceSettings } from '../lib/alerts/settings';
import { AddonError } from '../lib/errors';
import { HipChatApiError } from '../lib/hipchat/errors';
import { contextOf, type HipChatContext, type JwtMiddleware } from '../lib/hipchat/jwt';
import { requireEditor as requireEditorOf } from '../lib/hipchat/permissions';
import type { Sealer } from '../lib/security/seal';
import { countSources, deleteSource, findSource, insertSource, listSources, replaceSourceSecret, updateSource, type AlertSourceRecord } from '../lib/store/alerts';
import type { ChangeFeed } from '../lib/store/change-feed';
import type { Db } from '../lib/store/db';
import { findSettings, type ChangedBy } from '../lib/store/settings';
import { isWellFormedText, BROKEN_TEXT } from '../lib/text';
import { api, text } from './api';
import { zodMessage } from './validation';

/** The configure tab's alert-source endpoints (group admins, or a room installation's room owner). */
export interface AlertSourceRouteDeps {
  jwt: JwtMiddleware;
  db: Db;
  sealer: Sealer;
  /** Tells every instance's intake that a source changed. */
  feed: ChangeFeed;
  baseUrl: string;
  intake: IntakeDeps;
}

export const MAX_SOURCES = 50;
const COLORS = ['yellow', 'green', 'red', 'purple', 'gray'] as const;

/** The message for a value that is not an object at all; other problems (an unknown key) keep zod's own words. */
const notAnObject = (message: string) => ({ error: (issue: { code: string }) => (issue.code === 'invalid_type' ? message : undefined) });

const wellFormed = (label: string, max: number) =>
  text(label).max(max, `${label} is at most ${max} characters`).refine(isWellFormedText, `${label} ${BROKEN_TEXT}`);

const ruleBody = z.strictObject(
  {
    field: wellFormed('The field', 200).trim().min(1, 'Name the field the rule looks at, e.g. severity'),
    op: z.enum(['equals', 'contains', 'matches'], { error: 'op must be equals, contains or matches' }),
    value: wellFormed('The value', LIMITS.value),
    /** A room of the source's by name or id; empty: the default room. */
    room: wellFormed('The room', 255).trim().default(''),
    invite: z
      .strictObject({ group: wellFormed('The xMatters group', LIMITS.group).trim(), description: wellFormed('The invite description', 2000) }, notAnObject('invite must be {group, description} or null'))
      .nullable()
      .default(null),
  },
  notAnObject('Each rule must be {field, op, value, room, invite}'),
);

const templateBody = z.strictObject(
  {
    message: wellFormed('The message template', 2000),
    format: z.enum(['text', 'html'], { error: 'format must be text or html' }).default('text'),
    severity: wellFormed('The severity template', 2000).default(''),
    color: z.enum(COLORS, { error: `color must be one of: ${COLORS.join(', ')}` }).default('yellow'),
    card: z
      .strictObject({
        title: wellFormed('The card title', 2000).default(''),
        link: wellFormed('The card link', 2000).default(''),
        fields: z.array(z.strictObject({ label: wellFormed('The label', LIMITS.label), value: wellFormed('The value template', 2000) })).max(LIMITS.cardFields, `A card has at most ${LIMITS.cardFields} fields`).default([]),
      })
      .nullable()
      .default(null),
  },
  notAnObject('template must be an object {message, format, severity, color, card}'),
);

const settingsBody = {
  name: wellFormed('The name', 100).trim().min(1, 'Name the source, e.g. Sumo Logic'),
  /** Global installations: room names or ids, the first being the default room. Room installations post to their room. */
  rooms: z.array(wellFormed('A room', 255).trim().min(1, 'A room name is empty')).max(LIMITS.rooms, `A source can post to at most ${LIMITS.rooms} rooms`).default([]),
  template: templateBody.nullable().default(null),
  alertKey: wellFormed('The alert key', 2000).default(''),
  dedupeMinutes: z.number({ error: 'dedupeMinutes must be a number' }).int('dedupeMinutes must be whole minutes').min(0).max(LIMITS.dedupeMinutes, `dedupeMinutes is at most ${LIMITS.dedupeMinutes}`).default(5),
  rules: z.array(ruleBody, { error: 'rules must be a list' }).max(LIMITS.rules, `A source has at most ${LIMITS.rules} rules`).default([]),
  inviteWindowMinutes: z.number({ error: 'inviteWindowMinutes must be a number' }).int('inviteWindowMinutes must be whole minutes').min(1).max(LIMITS.inviteWindowMinutes, `inviteWindowMinutes is at most ${LIMITS.inviteWindowMinutes}`).default(60),
};
const bodyError = notAnObject('The request body must be a JSON object sent as application/json');
const createBody = z.strictObject({ kind: z.enum(ALERT_KINDS, { error: 'kind must be hipchat, soda or json' }), ...settingsBody }, bodyError);
const updateBody = z.strictObject(settingsBody, bodyError);
const payloadText = text('The payload').min(1, 'Paste a payload').max(MAX_ALERT_BODY, `The payload is at most ${MAX_ALERT_BODY / 1024} kB`);
const previewBody = z.strictObject({ source: createBody, payload: payloadText }, bodyError);
const testBody = z.strictObject({ payload: payloadText }, bodyError);
const regenerateBody = z.strictObject({ confirm: z.literal(true, { error: 'Send {"confirm": true} to regenerate the secret' }) }, bodyError);

type SettingsInput = z.infer<typeof updateBody>;

/** Reads input with a schema; a mismatch is a 400 whose `field` is the whole path (`rules.2.value`), as the tab names its inputs. */
function parse<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const path = parsed.error.issues[0]?.path ?? [];
  throw new AddonError(400, 'invalid_source', zodMessage(parsed.error), path.length ? { field: `${prefix}${path.join('.')}` } : {});
}

export function alertSourceRoutes(deps: AlertSourceRouteDeps): Router {
  const router = Router();
  const json = express.json({ limit: '32kb' });
  // A pasted payload may be as large as the intake takes, and JSON-escaped on the way here.
  const jsonWithPayload = express.json({ limit: MAX_ALERT_BODY * 2 + 32 * 1024 });
  const base = '/configure/api/alert-sources';
  const intakeUrl = (id: string) => `${deps.baseUrl}/alerts/${id}`;
  const changed = (id: string) => deps.feed.publish(ALERT_SOURCES_TOPIC, id);

  router.get(
    base,
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      const sources = await listSources(deps.db, context.installation.oauthId);
      res.json({
        global: context.installation.roomId === null,
        sources: sources.map((s) => sourceJson(s, intakeUrl(s.id))),
        samples: ALERT_SAMPLES.map((s) => ({ kind: s.kind, name: s.name, label: s.label, payload: s.payload })),
      });
    }),
  );

  router.post(
    base,
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      const { editor, room } = await requireEditor(context);
      const body = parse(createBody, req.body);
      const installationId = context.installation.oauthId;
      if ((await countSources(deps.db, installationId)) >= MAX_SOURCES) throw new AddonError(409, 'too_many_sources', `An installation has at most ${MAX_SOURCES} alert sources; delete one first.`);
      const settings = await settingsFrom(context, body.kind, body, room);
      const id = crypto.randomUUID();
      const secret = newSecret();
      await insertSource(deps.db, { id, installationId, name: body.name, kind: body.kind, secretSealed: deps.sealer.seal(secret), settings }, editor);
      await changed(id);
      context.log.info({ sourceId: id, kind: body.kind, rules: settings.rules.length }, 'alert source created');
      const saved = await findSource(deps.db, id);
      res.status(201).json({ message: `Alert source created.${await inviteWarning(deps.db, installationId, settings)}`, source: sourceJson(saved!, intakeUrl(id)), secret: secretJson(intakeUrl(id), secret) });
    }),
  );

  router.put(
    `${base}/:id`,
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      const { editor, room } = await requireEditor(context);
      const stored = await ownSource(deps.db, context, req);
      const body = parse(updateBody, req.body);
      const settings = await settingsFrom(context, stored.kind, body, room);
      if (!(await updateSource(deps.db, stored.installationId, stored.id, { name: body.name, settings }, editor))) throw noSuchSource();
      await changed(stored.id);
      context.log.info({ sourceId: stored.id, rules: settings.rules.length }, 'alert source changed');
      res.json({ message: `Alert source saved.${await inviteWarning(deps.db, stored.installationId, settings)}`, source: sourceJson((await findSource(deps.db, stored.id))!, intakeUrl(stored.id)) });
    }),
  );

  router.delete(
    `${base}/:id`,
    deps.jwt.page,
    api(async (req, res) => {
      const context = contextOf(req);
      await requireEditor(context);
      const stored = await ownSource(deps.db, context, req);
      if (!(await deleteSource(deps.db, stored.installationId, stored.id))) throw noSuchSource();
      await changed(stored.id);
      context.log.info({ sourceId: stored.id }, 'alert source deleted');
      res.json({ message: `Alert source ${stored.name} deleted. Its intake URL no longer takes alerts.` });
    }),
  );

  router.post(
    `${base}/:id/secret`,
    deps.jwt.page,
    json,
    api(async (req, res) => {
      const context = contextOf(req);
      const { editor } = await requireEditor(context);
      const stored = await ownSource(deps.db, context, req);
      parse(regenerateBody, req.body);
      const secret = newSecret();
      if (!(await replaceSourceSecret(deps.db, stored.installationId, stored.id, deps.sealer.seal(secret), editor))) throw noSuchSource();
      await changed(stored.id);
      context.log.info({ sourceId: stored.id }, 'alert source secret regenerated');
      res.json({ message: 'A new secret was made. The old one no longer works.', secret: secretJson(intakeUrl(stored.id), secret) });
    }),
  );

  router.post(
    `${base}/preview`,
    deps.jwt.page,
    jsonWithPayload,
    api(async (req, res) => {
      const context = contextOf(req);
      const { room } = await requireEditor(context);
      const { source, payload } = parse(previewBody, req.body);
      // Nothing is looked up in HipChat for a preview: a global installation's rooms are as typed.
      const rooms = context.installation.roomId === null ? [...new Set(source.rooms)].map((name, i) => ({ id: -(i + 1), name })) : [installationRoom(context, room)];
      const settings = compile(source.kind, settingsOf(source, rooms, ruleRoomIn(rooms)), 'source.');
      const alerts = evaluatePayload({ name: source.name, kind: source.kind, settings }, payload);
      res.json({ alerts: alerts.map(previewJson) });
    }),
  );

  router.post(
    `${base}/:id/test`,
    deps.jwt.page,
    jsonWithPayload,
    api(async (req, res) => {
      const context = contextOf(req);
      await requireEditor(context);
      const stored = await ownSource(deps.db, context, req);
      const body = parse(testBody, req.body);
      const source = { id: stored.id, installationId: stored.installationId, name: stored.name, kind: stored.kind, settings: compileSettings(stored.kind, stored.settings) };
      const alerts = evaluatePayload(source, body.payload);
      const accepted = await acceptAlerts(deps.intake, source, alerts, { test: true });
      context.log.info({ sourceId: stored.id, alerts: accepted.length }, 'alert source test event sent');
      const rooms = [...new Set(alerts.map((a) => a.room.name))];
      const invites = alerts.flatMap((a) => (a.invite ? [a.invite.group] : []));
      res.json({
        message: `Test event sent to ${rooms.join(', ')}.${invites.length ? ` A real alert would also invite ${invites.join(', ')} through xMatters; the test invites no one.` : ''}`,
        alerts: accepted.map((a, i) => ({ id: a.id, room: alerts[i]!.room, text: alerts[i]!.notice.text })),
      });
    }),
  );

  return router;
}

/** Rules that invite before xMatters is set up would fail in the room: say so when they are saved. */
async function inviteWarning(db: Db, installationId: string, settings: SourceSettings): Promise<string> {
  if (!settings.rules.some((rule) => rule.invite)) return '';
  const xmatters = await findSettings(db, installationId);
  return xmatters?.inviteUrl ? '' : ' xMatters is not set up yet: until it is, its rules’ invites fail (and the room is told so).';
}

const noSuchSource = () => new AddonError(404, 'unknown_source', 'This installation has no such alert source; reload the page.');

async function ownSource(db: Db, context: HipChatContext, req: Request): Promise<AlertSourceRecord> {
  const id = String(req.params.id);
  const stored = /^[0-9a-f-]{36}$/.test(id) ? await findSource(db, id) : undefined;
  if (!stored || stored.installationId !== context.installation.oauthId) throw noSuchSource();
  return stored;
}

/** The acting user when they may change alert sources, with the installation's room. */
async function requireEditor(context: HipChatContext): Promise<{ editor: ChangedBy; room: SourceRoom | undefined }> {
  const access = await requireEditorOf(context, 'alert sources');
  return { editor: access.editor, room: access.room && { id: access.room.id, name: access.room.name } };
}

/** The settings to store: rooms looked up in HipChat (global installations), rule rooms among them, checked by compiling. */
async function settingsFrom(context: HipChatContext, kind: AlertKind, body: SettingsInput, room: SourceRoom | undefined): Promise<SourceSettings> {
  const rooms = context.installation.roomId === null ? await lookUpRooms(context, body.rooms) : [installationRoom(context, room)];
  const settings = settingsOf(body, rooms, ruleRoomIn(rooms));
  compile(kind, settings);
  return settings;
}

/** A room installation's alerts go to its room. */
function installationRoom(context: HipChatContext, room: SourceRoom | undefined): SourceRoom {
  const id = context.installation.roomId!;
  return room ?? { id, name: `room ${id}` };
}

/** Each room a global installation's source names, as HipChat knows it (by name or id), once. */
async function lookUpRooms(context: HipChatContext, refs: string[]): Promise<SourceRoom[]> {
  const found = await Promise.all(
    refs.map(async (ref, index) => {
      try {
        const room = await context.client.getRoom(ref);
        return { id: room.id, name: room.name };
      } catch (err) {
        if (!(err instanceof HipChatApiError)) throw err;
        if (err.code === 'not_found') throw new AddonError(400, 'unknown_room', `HipChat has no room "${ref}" in this group.`, { field: `rooms.${index}` });
        throw new AddonError(503, 'hipchat_unavailable', `Could not look up the room "${ref}" in HipChat: ${err.message}. Try again in a moment.`);
      }
    }),
  );
  return found.filter((room, index) => found.findIndex((r) => r.id === room.id) === index);
}

function settingsOf(body: SettingsInput, rooms: SourceRoom[], ruleRoom: (ref: string, rule: number) => number | null): SourceSettings {
  return {
    rooms,
    template: body.template,
    alertKey: body.alertKey,
    dedupeMinutes: body.dedupeMinutes,
    rules: body.rules.map((rule, index) => ({ field: rule.field, op: rule.op, value: rule.value, roomId: ruleRoom(rule.room, index), invite: rule.invite })),
    inviteWindowMinutes: body.inviteWindowMinutes,
  };
}

/** A rule's room: empty keeps the default; else one of the source's rooms, by id or name. */
function ruleRoomIn(rooms: SourceRoom[]) {
  return (ref: string, rule: number): number | null => {
    if (ref === '') return null;
    const found = rooms.find((room) => String(room.id) === ref || room.name.toLowerCase() === ref.toLowerCase());
    if (!found) throw new AddonError(400, 'invalid_source', `Rule ${rule + 1}: the room "${ref}" is not one of the source's rooms; add it to the rooms first.`, { field: `rules.${rule}.room` });
    return found.id;
  };
}

function compile(kind: AlertKind, settings: SourceSettings, prefix = ''): CompiledSettings {
  try {
    return compileSettings(kind, settings);
  } catch (err) {
    if (prefix && err instanceof AddonError && err.field) throw new AddonError(err.status, err.code, err.message, { field: `${prefix}${err.field}` });
    throw err;
  }
}

/** A pasted payload read as JSON, the way the intake reads it; what is wrong with it is said next to the payload box. */
function evaluatePayload(source: Parameters<typeof evaluateAlerts>[0], payload: string): EvaluatedAlert[] {
  try {
    return evaluateAlerts(source, readBody(Buffer.from(payload, 'utf8'), 'application/json'));
  } catch (err) {
    if (err instanceof AddonError && !err.field) throw new AddonError(400, err.code, err.message, { field: 'payload' });
    throw err;
  }
}

function previewJson(alert: EvaluatedAlert) {
  return { room: { name: alert.room.name }, rule: alert.rule, notice: alert.notice, key: alert.key, invite: alert.invite };
}

/** What the tab and the API show of a source: everything but the secret. */
function sourceJson(source: AlertSourceRecord, intakeUrl: string) {
  const { settings } = source;
  return {
    id: source.id,
    name: source.name,
    kind: source.kind,
    intakeUrl,
    rooms: settings.rooms,
    template: settings.template,
    alertKey: settings.alertKey,
    dedupeMinutes: settings.dedupeMinutes,
    rules: settings.rules.map((rule) => ({ ...rule, roomName: settings.rooms.find((room) => room.id === rule.roomId)?.name ?? null })),
    inviteWindowMinutes: settings.inviteWindowMinutes,
    secretCreatedAt: new Date(source.secretCreatedAt).toISOString(),
    updatedAt: new Date(source.updatedAt).toISOString(),
    updatedByName: source.updatedByName,
  };
}

/** The secret, shown once, in each form a tool can send it. */
function secretJson(intakeUrl: string, secret: string) {
  return {
    secret,
    urlWithSecret: `${intakeUrl}/${secret}`,
    bearerHeader: `Bearer ${secret}`,
    basicHeader: `Basic ${Buffer.from(`alerts:${secret}`).toString('base64')}`,
  };
}

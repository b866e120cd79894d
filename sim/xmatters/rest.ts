import express, { Router, type Response } from 'express';
import { authenticateBasic } from './auth';
import type { Directory, SimGroup, SimPerson, SimSite } from './directory';
import { onCallJson } from './event-json';
import type { EventStore } from './events';
import { sendError } from './http-errors';
import { shiftsNow } from './on-call';
import type { PlanStore } from './plan-store';
import { eventsRouter } from './rest-events';
import { list, viewerOf } from './rest-helpers';
import {
  GROUP_DEFAULT_FIELDS,
  GROUP_FIELDS,
  GROUP_FILTERS,
  PERSON_FIELDS,
  PERSON_FILTERS,
  filterItems,
  paginate,
  single,
} from './search';

const BASE = '/api/xm/1';

/**
 * The REST API v1 subset under `/api/xm/1` (docs §1): people and groups, filtered by what the caller
 * may see (a 200 with fewer or no items, not a 403, E19), who is on call (E23), and events (E27).
 */
export function restRouter(directory: Directory, plans: PlanStore, events: EventStore, maxLimit: number): Router {
  const router = Router();

  router.use((req, res, next) => {
    const auth = authenticateBasic(directory, req.headers.authorization);
    if (!auth.ok) {
      if (auth.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="xMatters"');
      sendError(res, auth.status, auth.message);
      return;
    }
    res.locals.viewer = auth.person;
    next();
  });

  router.get('/people', (req, res) =>
    list(res, () =>
      paginate(
        filterItems(directory.visiblePeople(viewerOf(res)), req.query, PERSON_FIELDS, Object.keys(PERSON_FIELDS), PERSON_FILTERS),
        req.query,
        `${BASE}/people`,
        maxLimit,
        personJson,
      ),
    ),
  );

  router.get('/groups', (req, res) =>
    list(res, () =>
      paginate(
        filterItems(directory.visibleGroups(viewerOf(res)), req.query, GROUP_FIELDS, GROUP_DEFAULT_FIELDS, GROUP_FILTERS),
        req.query,
        `${BASE}/groups`,
        maxLimit,
        groupJson,
      ),
    ),
  );

  router.get('/people/:key', (req, res) => {
    const person = directory.person(req.params.key);
    if (!person || !directory.visiblePeople(viewerOf(res)).includes(person)) {
      sendError(res, 404, `Could not find a person with id or targetName "${req.params.key}".`);
      return;
    }
    const embedDevices = String(req.query.embed ?? '').split(',').includes('devices');
    res.json(embedDevices ? { ...personJson(person), devices: devicesJson(person) } : personJson(person));
  });

  router.get('/on-call', (req, res) => {
    const names = single(req.query, 'groups')?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
    if (names.length === 0) return sendError(res, 400, 'The groups parameter is required: name one or more groups, separated by commas.');
    const visible = new Set(directory.visibleGroups(viewerOf(res)));
    const now = Date.now();
    const entries = names
      .map((name) => directory.group(name))
      .filter((group): group is SimGroup => group !== undefined && visible.has(group))
      .flatMap((group) => shiftsNow(directory, group, now).map((shift) => onCallJson(group, shift)));
    list(res, () => paginate(entries, req.query, `${BASE}/on-call`, maxLimit, (entry) => entry));
  });

  router.use('/events', express.json({ limit: '64kb' }), eventsRouter(directory, plans, events, maxLimit));
  router.use((_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  return router;
}

function siteJson(site: SimSite) {
  return { id: site.id, name: site.name, links: { self: `${BASE}/sites/${site.id}` } };
}

/** `embed=devices`: the person's devices as a page, EMAIL devices with `emailAddress` (docs §1.2). */
function devicesJson(p: SimPerson) {
  const data = p.devices.map((d) => ({
    id: d.id,
    name: d.name,
    deviceType: d.deviceType,
    ...(d.deviceType === 'EMAIL' ? { emailAddress: d.address } : { phoneNumber: d.address }),
  }));
  return { count: data.length, total: data.length, data };
}

function personJson(p: SimPerson) {
  return {
    id: p.id,
    targetName: p.targetName,
    recipientType: 'PERSON',
    externallyOwned: false,
    links: { self: `${BASE}/people/${p.id}` },
    firstName: p.firstName,
    lastName: p.lastName,
    licenseType: 'FULL_USER',
    language: 'en',
    timezone: p.site.timezone,
    webLogin: p.webLogin,
    site: siteJson(p.site),
    status: p.status,
    whenCreated: p.whenCreated,
    whenUpdated: p.whenCreated,
  };
}

function groupJson(g: SimGroup) {
  return {
    id: g.id,
    targetName: g.targetName,
    recipientType: 'GROUP',
    status: g.status,
    groupType: g.groupType,
    created: g.created,
    description: g.description,
    observedByAll: true,
    allowDuplicates: false,
    useDefaultDevices: true,
    externallyOwned: false,
    site: siteJson(g.site),
    links: { self: `${BASE}/groups/${g.id}` },
  };
}

import { Router, type Response } from 'express';
import { authenticateBasic } from './auth';
import type { Directory, SimGroup, SimPerson, SimSite } from './directory';
import { sendError } from './http-errors';
import {
  GROUP_DEFAULT_FIELDS,
  GROUP_FIELDS,
  GROUP_FILTERS,
  PERSON_FIELDS,
  PERSON_FILTERS,
  QueryError,
  filterItems,
  paginate,
} from './search';

const BASE = '/api/xm/1';

/** The REST API v1 subset the add-on uses: people and groups, under `/api/xm/1` (docs §1). */
export function restRouter(directory: Directory, maxLimit: number): Router {
  const router = Router();

  router.use((req, res, next) => {
    const auth = authenticateBasic(directory, req.headers.authorization);
    if (!auth.ok) {
      if (auth.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="xMatters"');
      sendError(res, auth.status, auth.message);
      return;
    }
    next();
  });

  router.get('/people', (req, res) =>
    list(res, () =>
      paginate(
        filterItems(directory.people, req.query, PERSON_FIELDS, Object.keys(PERSON_FIELDS), PERSON_FILTERS),
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
        filterItems(directory.groups, req.query, GROUP_FIELDS, GROUP_DEFAULT_FIELDS, GROUP_FILTERS),
        req.query,
        `${BASE}/groups`,
        maxLimit,
        groupJson,
      ),
    ),
  );

  router.get('/people/:key', (req, res) => {
    const person = directory.person(req.params.key);
    if (!person) {
      sendError(res, 404, `Could not find a person with id or targetName "${req.params.key}".`);
      return;
    }
    const embedDevices = String(req.query.embed ?? '').split(',').includes('devices');
    res.json(embedDevices ? { ...personJson(person), devices: devicesJson(person) } : personJson(person));
  });

  router.use((_req, res) => sendError(res, 404, 'The requested resource does not exist.'));
  return router;
}

function list(res: Response, build: () => unknown): void {
  try {
    res.json(build());
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    sendError(res, 400, error.message);
  }
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

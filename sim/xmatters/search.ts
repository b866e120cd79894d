import type { SimGroup, SimPerson } from './directory';

// The list endpoints' query semantics (docs/xmatters.md §1.2–§1.4): `search` terms split on space
// or "+", `operand` AND|OR (default OR), `fields` restricting where terms are looked for
// (case-insensitive substring), exact filters, and `offset`/`limit` paging.

export class QueryError extends Error {}

type Query = Record<string, unknown>;
type Field<T> = (item: T) => string;

export const PERSON_FIELDS: Record<string, Field<SimPerson>> = {
  FIRST_NAME: (p) => p.firstName,
  LAST_NAME: (p) => p.lastName,
  TARGET_NAME: (p) => p.targetName,
  WEB_LOGIN: (p) => p.webLogin,
  EMAIL_ADDRESS: (p) => p.email,
  PHONE_NUMBER: (p) => p.phone,
};

export const GROUP_FIELDS: Record<string, Field<SimGroup>> = {
  NAME: (g) => g.targetName,
  DESCRIPTION: (g) => g.description,
  SERVICE_NAME: () => '',
};

/** Fields searched when `fields` is absent. */
export const GROUP_DEFAULT_FIELDS = ['NAME', 'DESCRIPTION'];

export interface Filter<T> {
  param: string;
  value: Field<T>;
  caseSensitive: boolean;
}

export const PERSON_FILTERS: Filter<SimPerson>[] = [
  { param: 'targetName', value: (p) => p.targetName, caseSensitive: true },
  { param: 'webLogin', value: (p) => p.webLogin, caseSensitive: false },
  { param: 'firstName', value: (p) => p.firstName, caseSensitive: false },
  { param: 'lastName', value: (p) => p.lastName, caseSensitive: false },
  { param: 'status', value: (p) => p.status, caseSensitive: true },
];

export const GROUP_FILTERS: Filter<SimGroup>[] = [
  { param: 'targetName', value: (g) => g.targetName, caseSensitive: true },
  { param: 'status', value: (g) => g.status, caseSensitive: true },
  { param: 'groupType', value: (g) => g.groupType, caseSensitive: true },
];

export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export function filterItems<T>(
  items: readonly T[],
  query: Query,
  fields: Record<string, Field<T>>,
  defaultFields: readonly string[],
  filters: readonly Filter<T>[],
): T[] {
  const search = single(query, 'search');
  const terms = (search ?? '').toLowerCase().split(/[\s+]+/).filter(Boolean);
  const operand = (single(query, 'operand') ?? 'OR').toUpperCase();
  if (operand !== 'AND' && operand !== 'OR') throw new QueryError(`operand must be AND or OR, not "${operand}".`);
  const fieldNames = single(query, 'fields')?.split(',').map((f) => f.trim().toUpperCase()).filter(Boolean) ?? [...defaultFields];
  const unknown = fieldNames.filter((name) => !(name in fields));
  if (unknown.length > 0) throw new QueryError(`Unknown search field(s): ${unknown.join(', ')}. Use ${Object.keys(fields).join(', ')}.`);
  const accessors = fieldNames.map((name) => fields[name] as Field<T>);
  const active = filters.flatMap((filter) => {
    const wanted = single(query, filter.param);
    return wanted === undefined ? [] : [{ filter, wanted }];
  });

  return items.filter((item) => {
    for (const { filter, wanted } of active) {
      const value = filter.value(item);
      if (filter.caseSensitive ? value !== wanted : value.toLowerCase() !== wanted.toLowerCase()) return false;
    }
    if (terms.length === 0) return true;
    const haystacks = accessors.map((field) => field(item).toLowerCase());
    const hit = (term: string) => haystacks.some((text) => text.includes(term));
    return operand === 'AND' ? terms.every(hit) : terms.some(hit);
  });
}

export interface Envelope<T> {
  count: number;
  total: number;
  data: T[];
  links: { self: string; next?: string; previous?: string };
}

/** One page in xMatters' envelope; `links` are paths relative to the host (docs §1.4). */
export function paginate<T, J>(
  items: readonly T[],
  query: Query,
  path: string,
  maxLimit: number,
  toJson: (item: T) => J,
): Envelope<J> {
  const offset = integer(query, 'offset', 0);
  const limit = Math.min(integer(query, 'limit', 100), maxLimit);
  if (limit < 1) throw new QueryError('limit must be at least 1.');
  const data = items.slice(offset, offset + limit).map(toJson);
  const link = (at: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (key !== 'offset' && key !== 'limit') params.set(key, String(Array.isArray(value) ? value[0] : value));
    }
    params.set('offset', String(at));
    params.set('limit', String(limit));
    return `${path}?${params.toString()}`;
  };
  return {
    count: data.length,
    total: items.length,
    data,
    links: {
      self: link(offset),
      ...(offset + limit < items.length ? { next: link(offset + limit) } : {}),
      ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
    },
  };
}

function integer(query: Query, name: string, fallback: number): number {
  const raw = single(query, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new QueryError(`${name} must be a whole number, not "${raw}".`);
  return Number(raw);
}

import { z } from 'zod';
import { type Candidate, type Recipient, rankRecipients } from './rank';
import { type RestContext, getJson } from './rest';
import { displayNameOf, groupSchema, pageSchema, personSchema } from './schemas';

// The invite dialog's recipient lookup: people and groups searched in parallel (docs/xmatters.md
// §1.2–§1.4), each followed through `links.next` for a bounded number of pages, then ranked.

const PAGE_LIMIT = 100;
const MAX_PAGES = 3;

export async function searchRecipients(ctx: RestContext, query: string, limit: number): Promise<Recipient[]> {
  const terms = query.trim().replace(/\s+/g, ' ');
  if (terms === '' || limit <= 0) return [];
  const params = { search: terms, operand: 'AND', limit: PAGE_LIMIT };
  const [people, groups] = await Promise.all([
    collect(ctx, '/people', params, personSchema),
    collect(ctx, '/groups', params, groupSchema),
  ]);
  const candidates: Candidate[] = [
    ...people.map((person) => ({
      recipient: {
        id: person.id,
        targetName: person.targetName,
        displayName: displayNameOf(person),
        type: 'PERSON' as const,
        status: person.status ?? 'ACTIVE',
      },
      names: [displayNameOf(person), person.firstName ?? '', person.lastName ?? '', person.targetName],
    })),
    ...groups.map((group) => ({
      recipient: {
        id: group.id,
        targetName: group.targetName,
        displayName: group.targetName,
        type: 'GROUP' as const,
        status: group.status ?? 'ACTIVE',
      },
      names: [group.targetName],
    })),
  ];
  return rankRecipients(terms, candidates).slice(0, limit);
}

async function collect<T extends z.ZodType>(
  ctx: RestContext,
  path: string,
  params: Record<string, string | number>,
  item: T,
): Promise<z.infer<T>[]> {
  const schema = pageSchema(item);
  const items: z.infer<T>[] = [];
  let page = await getJson(ctx, `${ctx.baseUrl}${path}`, params, schema);
  items.push(...page.data);
  for (let pages = 1; pages < MAX_PAGES; pages++) {
    const next = nextPageUrl(ctx, page.links?.next);
    if (!next || page.data.length === 0) break;
    page = await getJson(ctx, next, undefined, schema);
    items.push(...page.data);
  }
  return items;
}

/** `links.next` is a path on the same host; anything pointing elsewhere is not followed. */
function nextPageUrl(ctx: RestContext, next: string | undefined): string | undefined {
  if (!next) return undefined;
  const base = new URL(ctx.baseUrl);
  if (!URL.canParse(next, base)) return undefined;
  const url = new URL(next, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(`${base.pathname}/`)) return undefined;
  return url.toString();
}

import { z } from 'zod';

// The parts of xMatters REST answers the add-on reads (docs/xmatters.md §1.2–§1.4). Other fields
// are ignored, so additions on the xMatters side do not break the add-on.

export const personSchema = z.object({
  id: z.string(),
  targetName: z.string(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  status: z.string().optional(),
});
export type PersonRecord = z.infer<typeof personSchema>;

/** `GET /people/{targetName}?embed=devices`: EMAIL devices carry `emailAddress`. */
export const personWithDevicesSchema = personSchema.extend({
  devices: z
    .object({ data: z.array(z.object({ deviceType: z.string().optional(), emailAddress: z.string().optional() })) })
    .optional(),
});

export const groupSchema = z.object({
  id: z.string(),
  targetName: z.string(),
  status: z.string().optional(),
});

/** `{count, total, data, links{self, next?}}`; `links.*` are paths relative to the host. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().optional(),
    total: z.number().optional(),
    data: z.array(item),
    links: z.object({ next: z.string().optional() }).optional(),
  });
}

export function displayNameOf(person: PersonRecord): string {
  const name = [person.firstName, person.lastName].filter((part) => part && part.trim()).join(' ').trim();
  return name || person.targetName;
}

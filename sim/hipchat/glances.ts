import { z } from 'zod';
import type { Descriptor } from './descriptor';

const LOZENGE_TYPES = ['default', 'success', 'error', 'current', 'new', 'complete', 'moved'] as const;

/**
 * Glance data, as `queryUrl` answers it and as `POST addon/ui/room/{roomId}` pushes it (docs §5):
 * `{label:{type:"html", value}, status?:{type:"lozenge", value:{label, type}} | {type:"icon", value:{url, url@2x}}, metadata?}`
 * (lozenge types from oswynb/hipchat-hs `Glance.hs`; the icon form from tbruyelle/hipchat-go `GlanceStatus`).
 */
export const glanceContentSchema = z.object({
  label: z.object(
    {
      type: z.literal('html', { error: 'label.type must be html' }),
      value: z.string({ error: 'label.value must be a string' }).max(1000, { error: 'label.value must be at most 1000 characters' }),
    },
    { error: 'label must be {type: "html", value}' },
  ),
  status: z
    .union(
      [
        z.object({
          type: z.literal('lozenge'),
          value: z.object({ label: z.string().max(100), type: z.enum(LOZENGE_TYPES) }),
        }),
        z.object({
          type: z.literal('icon'),
          value: z.object({ url: z.url({ protocol: /^https?$/ }), 'url@2x': z.url({ protocol: /^https?$/ }).optional() }),
        }),
      ],
      { error: `status must be {type: "lozenge", value: {label, type: ${LOZENGE_TYPES.join('|')}}} or {type: "icon", value: {url, url@2x}}` },
    )
    .optional(),
  metadata: z.record(z.string(), z.unknown(), { error: 'metadata must be an object' }).optional(),
});

export type GlanceContent = z.infer<typeof glanceContentSchema>;

/** A `glance` module (docs §1: required key, name, icon; optional queryUrl, target, weight, conditions). */
const glanceModule = z.looseObject({
  key: z.string(),
  name: z.looseObject({ value: z.string() }),
  icon: z.looseObject({ url: z.string(), 'url@2x': z.string().optional() }),
  queryUrl: z.string().optional(),
  target: z.union([z.string(), z.looseObject({ key: z.string() })]).optional(),
  weight: z.number().optional(),
  conditions: z.array(z.unknown()).optional(),
});

export type GlanceModule = z.infer<typeof glanceModule>;

export function glanceModules(descriptor: Descriptor): GlanceModule[] {
  const list = descriptor.capabilities?.glance;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    const parsed = glanceModule.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

interface Pushed {
  content: GlanceContent;
  version: number;
}

/** Glance content pushed for a room, per add-on installation and glance key; each push bumps the room's version. */
export class GlanceStore {
  private readonly pushed = new Map<string, Pushed>();
  private readonly roomVersions = new Map<number, number>();

  push(roomId: number, oauthId: string, key: string, content: GlanceContent): void {
    const version = this.version(roomId) + 1;
    this.roomVersions.set(roomId, version);
    this.pushed.set(slot(roomId, oauthId, key), { content, version });
  }

  get(roomId: number, oauthId: string, key: string): Pushed | undefined {
    return this.pushed.get(slot(roomId, oauthId, key));
  }

  /** Bumped by every push into the room (part of the room feed's version). */
  version(roomId: number): number {
    return this.roomVersions.get(roomId) ?? 0;
  }
}

function slot(roomId: number, oauthId: string, key: string): string {
  return JSON.stringify([roomId, oauthId, key]);
}

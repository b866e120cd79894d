import { z } from 'zod';
import type { Descriptor } from '../descriptor';
import type { Installation } from '../installations';
import { glanceModules } from '../glances';
import type { Room, User } from '../state';
import { safeUrl } from './sanitize';

/** The parts of a descriptor's `action`, `dialog` and `externalPage` modules the UI uses (docs §1). */
const nameValue = z.looseObject({ value: z.string() });
const target = z.union([z.string(), z.looseObject({ key: z.string(), options: z.record(z.string(), z.unknown()).optional() })]);
const actionModule = z.looseObject({
  key: z.string(),
  name: nameValue,
  target,
  location: z.string(),
  weight: z.number().optional(),
  conditions: z.array(z.unknown()).optional(),
});
const dialogModule = z.looseObject({
  key: z.string(),
  title: nameValue,
  url: z.string(),
  authentication: z.enum(['jwt', 'none']).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});
const pageModule = z.looseObject({ key: z.string(), url: z.string(), authentication: z.enum(['jwt', 'none']).optional() });
/** `webPanel` (docs §1): key, name, url, location `hipchat.sidebar.right`; authentication defaults to jwt. */
const webPanelModule = z.looseObject({
  key: z.string(),
  name: nameValue,
  url: z.string(),
  location: z.string(),
  authentication: z.enum(['jwt', 'none']).optional(),
});
const button = z.looseObject({ name: nameValue, key: z.string().optional(), enabled: z.boolean().optional() });
const dialogOptions = z.looseObject({
  style: z.enum(['normal', 'warning']).optional(),
  primaryAction: button.optional(),
  secondaryActions: z.array(button).optional(),
  size: z.union([z.enum(['small', 'medium', 'large', 'xlarge']), z.looseObject({ width: z.string().optional(), height: z.string().optional() })]).optional(),
  hint: nameValue.optional(),
});

export interface InputAction {
  oauthId: string;
  addonName: string;
  icon: string | undefined;
  key: string;
  name: string;
}

export interface DialogButton {
  key: string;
  name: string;
  enabled: boolean;
}

/** A dialog as the room page shows it: sizes are CSS lengths, names plain strings. */
export interface DialogView {
  oauthId: string;
  key: string;
  title: string;
  url: string;
  style: 'normal' | 'warning';
  width: string;
  height: string;
  hint: string;
  primaryAction: DialogButton | null;
  secondaryActions: DialogButton[];
}

export type TargetResolution =
  | { kind: 'dialog'; dialog: z.infer<typeof dialogModule>; options: Record<string, unknown> }
  | { kind: 'externalPage'; page: z.infer<typeof pageModule> }
  | { kind: 'webPanel'; panel: z.infer<typeof webPanelModule> }
  | { kind: 'unsupported'; message: string };

// AUI dialog sizes; HipChat did not publish its own.
const SIZES = {
  small: { width: '400px', height: '240px' },
  medium: { width: '600px', height: '400px' },
  large: { width: '800px', height: '560px' },
  xlarge: { width: '980px', height: '720px' },
} as const;
const LENGTH = /^\d{1,4}(?:\.\d{1,2})?(px|%)?$/;
const MAX_CONDITION_DEPTH = 8;
const CONDITIONS: Record<string, (room: Room, user: User) => boolean> = {
  room_is_public: (room) => room.privacy === 'public',
  user_is_admin: (_room, user) => user.is_group_admin,
  user_is_guest: (_room, user) => user.is_guest,
  user_is_room_owner: (room, user) => room.ownerId === user.id,
};

function modules<T extends z.ZodType>(descriptor: Descriptor, capability: string, schema: T): z.infer<T>[] {
  const list = descriptor.capabilities?.[capability];
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    const parsed = schema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The add-on's avatar (`hipchatApiConsumer.avatar`: a URL or `{url}`), when it is an http(s) URL. */
export function addonIcon(descriptor: Descriptor): string | undefined {
  const avatar = (descriptor.capabilities?.hipchatApiConsumer as { avatar?: unknown } | undefined)?.avatar;
  if (typeof avatar === 'string') return safeUrl(avatar);
  if (typeof avatar === 'object' && avatar !== null) return safeUrl(String((avatar as { url?: unknown }).url ?? ''));
  return undefined;
}

/** The "+" menu: `hipchat.input.action` actions of the installations covering the room, by weight. */
export function inputActions(installations: Installation[], room: Room, user: User): InputAction[] {
  const found = installations.flatMap((installation) =>
    modules(installation.descriptor, 'action', actionModule)
      .filter((action) => action.location === 'hipchat.input.action' && conditionsHold(action.conditions, room, user))
      .map((action) => ({
        weight: action.weight ?? 100,
        action: {
          oauthId: installation.oauthId,
          addonName: installation.descriptor.name,
          icon: addonIcon(installation.descriptor),
          key: action.key,
          name: action.name.value,
        },
      })),
  );
  return found.sort((a, b) => a.weight - b.weight).map((entry) => entry.action);
}

/** What an input action's target, a glance's target, or a key given to `HipChat.dialog.open` / `HipChat.sidebar.openView`, opens. */
export function resolveTarget(installation: Installation, ref: { action: string } | { dialog: string } | { glance: string }): TargetResolution | undefined {
  const { descriptor } = installation;
  let key: string;
  let override: Record<string, unknown> = {};
  if ('action' in ref) {
    const action = modules(descriptor, 'action', actionModule).find((a) => a.key === ref.action && a.location === 'hipchat.input.action');
    if (!action) return undefined;
    key = typeof action.target === 'string' ? action.target : action.target.key;
    if (typeof action.target !== 'string') override = action.target.options ?? {};
  } else if ('glance' in ref) {
    const glance = glanceModules(descriptor).find((g) => g.key === ref.glance);
    if (!glance) return undefined;
    if (glance.target === undefined) return { kind: 'unsupported', message: `${descriptor.name}'s glance "${glance.key}" opens nothing` };
    key = typeof glance.target === 'string' ? glance.target : glance.target.key;
  } else {
    key = ref.dialog;
  }
  const dialog = modules(descriptor, 'dialog', dialogModule).find((d) => d.key === key);
  if (dialog) return { kind: 'dialog', dialog, options: { ...(dialog.options ?? {}), ...override } };
  const page = modules(descriptor, 'externalPage', pageModule).find((p) => p.key === key);
  if (page) return { kind: 'externalPage', page };
  const panel = modules(descriptor, 'webPanel', webPanelModule).find((p) => p.key === key && p.location === 'hipchat.sidebar.right');
  if (panel) return { kind: 'webPanel', panel };
  return { kind: 'unsupported', message: `${descriptor.name} has no dialog, web panel or page with the key "${key}"` };
}

/** The dialog with its options applied: defaults from the descriptor schema (docs §1). */
export function dialogView(oauthId: string, dialog: z.infer<typeof dialogModule>, rawOptions: Record<string, unknown>, url: string): DialogView {
  const parsed = dialogOptions.safeParse(rawOptions);
  const options = parsed.success ? parsed.data : {};
  const size = typeof options.size === 'string' ? SIZES[options.size] : {
    width: length(options.size?.width) ?? SIZES.medium.width,
    height: length(options.size?.height) ?? SIZES.medium.height,
  };
  const primary = options.primaryAction;
  return {
    oauthId,
    key: dialog.key,
    title: dialog.title.value,
    url,
    style: options.style ?? 'normal',
    ...size,
    hint: options.hint?.value ?? '',
    primaryAction: primary ? { key: primary.key ?? 'primary-action-selected', name: primary.name.value, enabled: primary.enabled ?? true } : null,
    secondaryActions: (options.secondaryActions ?? []).map((action) => ({
      key: action.key ?? 'secondary-action-selected',
      name: action.name.value,
      enabled: action.enabled ?? true,
    })),
  };
}

function length(value: string | undefined): string | undefined {
  const match = value === undefined ? null : LENGTH.exec(value.trim());
  if (!match || value === undefined) return undefined;
  return match[1] ? value.trim() : `${value.trim()}px`;
}

/** Whether a module's `conditions` all hold for the user in the room. */
export function conditionsHold(conditions: unknown[] | undefined, room: Room, user: User): boolean {
  return (conditions ?? []).every((condition) => holds(condition, room, user, 0));
}

/**
 * Built-in conditions (docs §1). Message, card and glance-metadata conditions say nothing about the input
 * box or the sidebar, so they hold; unknown ones too, so that an add-on is never hidden by a condition the
 * simulator lacks.
 */
function holds(condition: unknown, room: Room, user: User, depth: number): boolean {
  if (typeof condition !== 'object' || condition === null || depth > MAX_CONDITION_DEPTH) return true;
  const c = condition as { condition?: unknown; invert?: unknown; type?: unknown; conditions?: unknown };
  if (Array.isArray(c.conditions)) {
    const results = c.conditions.map((inner) => holds(inner, room, user, depth + 1));
    return c.type === 'or' ? results.some(Boolean) : results.every(Boolean);
  }
  const check = typeof c.condition === 'string' ? CONDITIONS[c.condition] : undefined;
  if (!check) return true;
  const value = check(room, user);
  return c.invert === true ? !value : value;
}

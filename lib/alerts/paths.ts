/**
 * Field paths into an alert's payload: `TriggerType`, `incident.severity`, `checkResults[0].outcome`,
 * `ALERT.entity_display_name`. Names are compared ignoring case, as Sumo Logic's variables are
 * ("All variables are case-insensitive", docs/alerts.md §1.2). A key that itself holds dots, as in Splunk
 * On-Call's captured bodies (`"ALERT.entity_display_name": …`, §2.2), is found as well as a nested one.
 * A string holding JSON, such as Sumo Logic's `ResultsJson`, is read as that JSON when a path goes into it.
 */
export type FieldPath = readonly string[];

const MAX_PATH_LENGTH = 200;
const MAX_SEGMENTS = 20;
const SEGMENT = /^[^\s.[\]{}]+$/;

/** Reads `a.b[0].c` into its segments; a string is the reason when it is not a path. */
export function parsePath(text: string): FieldPath | string {
  const path = text.trim();
  if (path === '') return 'is empty';
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  const segments: string[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d{1,6}\])*)$/.exec(part);
    if (!match) return `has a [ ] that is not an index such as [0] in "${part}"`;
    const [, name = '', indexes = ''] = match;
    if (name === '' && indexes === '') return 'has an empty name (two dots in a row, or a dot at an end)';
    if (name !== '') {
      if (!SEGMENT.test(name)) return `has a space or brace in "${name}"`;
      segments.push(name);
    }
    for (const index of indexes.matchAll(/\[(\d+)\]/g)) segments.push(index[1]!);
  }
  if (segments.length > MAX_SEGMENTS) return `has more than ${MAX_SEGMENTS} parts`;
  return segments;
}

/**
 * Reads paths from one payload; remembers what it parsed and indexed, so a template with many variables
 * reads each JSON string and each object's keys once.
 */
export class FieldReader {
  private readonly parsedStrings = new Map<string, unknown>();
  private readonly keyIndexes = new WeakMap<object, Map<string, string>>();

  constructor(readonly data: unknown) {}

  /** The value at `path`, or undefined when nothing is there. */
  get(path: FieldPath): unknown {
    return this.walk(this.data, path, 0);
  }

  /** The value at `path` as text: see `valueText`. */
  text(path: FieldPath): string {
    return valueText(this.get(path));
  }

  private walk(node: unknown, path: FieldPath, at: number): unknown {
    if (at === path.length) return node;
    const container = this.container(node);
    if (Array.isArray(container)) {
      const segment = path[at]!;
      if (!/^\d+$/.test(segment)) return undefined;
      const index = Number(segment);
      return index < container.length ? this.walk(container[index], path, at + 1) : undefined;
    }
    if (container === null || typeof container !== 'object') return undefined;
    // The longest run of segments that names a key wins: "ALERT.entity_id" before "ALERT" → "entity_id".
    for (let end = path.length; end > at; end--) {
      const key = this.ownKey(container, path.slice(at, end).join('.'));
      if (key === undefined) continue;
      const found = this.walk((container as Record<string, unknown>)[key], path, end);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A string that holds a JSON object or array is read as it; anything else is returned as it is. */
  private container(node: unknown): unknown {
    if (typeof node !== 'string') return node;
    const trimmed = node.trim();
    if (!/^[[{]/.test(trimmed)) return node;
    if (!this.parsedStrings.has(node)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        parsed = undefined;
      }
      this.parsedStrings.set(node, parsed);
    }
    return this.parsedStrings.get(node) ?? node;
  }

  /** The object's own key with this name: spelled exactly, else the same ignoring case. */
  private ownKey(object: object, name: string): string | undefined {
    if (Object.prototype.hasOwnProperty.call(object, name)) return name;
    let index = this.keyIndexes.get(object);
    if (!index) {
      index = new Map();
      for (const key of Object.keys(object)) {
        const lower = key.toLowerCase();
        if (!index.has(lower)) index.set(lower, key);
      }
      this.keyIndexes.set(object, index);
    }
    return index.get(name.toLowerCase());
  }
}

/** Text of a payload value: strings as they are, numbers and booleans as JSON writes them, null and nothing as "", objects and lists as compact JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    // Nested too deep to write out.
    return '';
  }
}

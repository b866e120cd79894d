// An integration's Activity Stream (seed 002 "Activity Stream"; IB-in "view the Activity panel"):
// what each request brought in or what each webhook sent out, what came back, and the log lines
// of the processing. Authorization headers are masked before anything is recorded.

export interface ActivityEntry {
  id: number;
  at: string;
  title: string;
  outcome: 'ok' | 'error' | 'info';
  requestId: string | null;
  eventIdentifier: number | null;
  request: { method: string; url: string; headers: Record<string, string>; body: string } | null;
  response: { status: number | null; body: string } | null;
  log: string[];
}

const MAX_ENTRIES = 200;
const MAX_BODY = 20_000;

let nextId = 1;

export class ActivityStream {
  readonly entries: ActivityEntry[] = [];

  add(entry: Partial<Omit<ActivityEntry, 'id' | 'at'>> & Pick<ActivityEntry, 'title' | 'outcome'>): ActivityEntry {
    const recorded: ActivityEntry = {
      id: nextId++,
      at: new Date().toISOString(),
      requestId: null,
      eventIdentifier: null,
      request: null,
      response: null,
      log: [],
      ...entry,
    };
    if (recorded.request) recorded.request = { ...recorded.request, headers: maskHeaders(recorded.request.headers), body: clip(recorded.request.body) };
    if (recorded.response) recorded.response = { ...recorded.response, body: clip(recorded.response.body) };
    this.entries.push(recorded);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return recorded;
  }

  /** Newest first. */
  latest(): ActivityEntry[] {
    return [...this.entries].reverse();
  }

  byRequestId(requestId: string): ActivityEntry | undefined {
    return this.entries.find((e) => e.requestId === requestId);
  }
}

function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, /^(authorization|cookie)$/i.test(name) ? `${value.split(' ')[0] ?? ''} ••••••` : value]),
  );
}

/** A URL with its `apiKey` masked, for pages and records. */
export function maskUrl(url: string): string {
  return url.replace(/([?&]apiKey=)[^&#]*/gi, '$1••••••');
}

function clip(body: string): string {
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}… (${body.length - MAX_BODY} more characters)` : body;
}

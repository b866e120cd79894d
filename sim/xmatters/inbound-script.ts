import { runInNewContext } from 'node:vm';

// Runs an inbound integration's transformation script the way the Integration Builder does
// (IB-script, scripting-reference.htm): `request` describes the HTTP request (body as text,
// headers, parameters, requestId), `trigger` starts empty, `form.post(trigger)` creates an event,
// `console.log` writes to the Activity Stream, `constants` holds the plan's constants. Scripts run in
// a separate V8 context with a time limit; HTTP calls to endpoints are not simulated.
//
// node:vm is not a security boundary: the simulator runs plans its own admin imported.

export interface ScriptRequest {
  body: string;
  headers: Record<string, string>;
  parameters: Record<string, string>;
  method: string;
  requestId: string;
}

export interface ScriptOutcome {
  /** Each object passed to form.post, as plain JSON. */
  posted: unknown[];
  log: string[];
  error: string | null;
}

const TIME_LIMIT_MS = 1000;

export function runInboundScript(script: string, request: ScriptRequest, constants: Record<string, string>): ScriptOutcome {
  const posted: unknown[] = [];
  const log: string[] = [];
  const context = {
    request: { ...request },
    trigger: { properties: {}, recipients: [] },
    constants: { ...constants },
    form: {
      post(trigger: unknown) {
        posted.push(JSON.parse(JSON.stringify(trigger ?? null)) as unknown);
      },
    },
    console: { log: (...args: unknown[]) => log.push(args.map(show).join(' ')) },
    http: {
      request() {
        throw new Error('http.request is not simulated: this simulator does not call endpoints from scripts.');
      },
    },
  };
  try {
    // Wrapped in a function so that a top-level `return` works, as it does in xMatters scripts.
    runInNewContext(`(function () {\n${script}\n})();`, context, { timeout: TIME_LIMIT_MS, filename: 'transformation-script.js' });
    return { posted, log, error: null };
  } catch (error) {
    // Errors thrown inside the context come from its own realm, so `instanceof Error` does not hold.
    const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
    return { posted, log, error: typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : String(error) };
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

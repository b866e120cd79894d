import { z } from 'zod';

/** HipChat Cloud's hosts: where a capabilitiesUrl may point when HIPCHAT_ALLOWED_HOSTS is unset. */
export const HIPCHAT_CLOUD_HOSTS = ['api.hipchat.com', '*.hipchat.com'];

const hostList = z
  .string()
  .transform((value) => value.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
  .pipe(
    z.array(
      z
        .string()
        .regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/, 'each entry must be host or host:port, optionally starting with "*."'),
    ),
  );

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  BASE_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://addon.example.com' })
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://user@host/db')
    .default('sqlite:./data/addon.db'),
  DATA_DIR: z.string().min(1).default('./data'),
  SECRETS_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  HIPCHAT_ALLOWED_HOSTS: hostList.default(HIPCHAT_CLOUD_HOSTS),
  XMATTERS_ALLOWED_HOSTS: hostList.default([]),
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  TRUST_PROXY: z
    .string()
    .regex(/^(false|true|\d{1,2}|loopback|uniquelocal|linklocal|[0-9a-f.:/, ]+)$/i, 'must be false, a hop count, or trusted proxy addresses (express "trust proxy")')
    .default('false'),
  HIPCHAT_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(120).default(10),
  XMATTERS_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(120).default(10),
  XMATTERS_EVENT_CONFIRM_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  XMATTERS_RECONCILE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  UNAUTHENTICATED_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  HIPCHAT_REVOCATION_CONFIRM_SECONDS: z.coerce.number().int().min(0).max(7 * 86_400).default(600),
  HIPCHAT_REVOKED_GRACE_SECONDS: z.coerce.number().int().min(0).max(365 * 86_400).default(3 * 86_400),
  HIPCHAT_REVOKED_PROBE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
  ALERT_REPEAT_NOTICE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  database: { client: 'sqlite3'; filename: string } | { client: 'pg'; connectionString: string };
  dataDir: string;
  secretsKey: string | undefined;
  hipchatAllowedHosts: string[];
  xmattersAllowedHosts: string[];
  /** How long a delivery job stays with the worker that claimed it before another may take it over. */
  outboxLeaseMs: number;
  /** express's `trust proxy`: whose X-Forwarded-For names the client (per-address limits depend on it). */
  trustProxy: boolean | number | string;
  /** How long one call to HipChat, and one to xMatters, may take. */
  hipchatTimeoutMs: number;
  xmattersTimeoutMs: number;
  /** How long xMatters may take to show the event of an accepted trigger before the room is told none came. */
  eventConfirmMs: number;
  /** How often an active event's responses are read back from xMatters. */
  reconcileEveryMs: number;
  /** Per client address: install and uninstall requests, and requests whose credentials were refused. */
  unauthenticatedPerMinute: number;
  revocation: { confirmMs: number; graceMs: number; probeEveryMs: number };
  /** How long after an alert's last notice in a room its repeats may post "(×N)" again. */
  alertRepeatNoticeMs: number;
  logLevel: string;
}

export class ConfigError extends Error {}

/** Reads the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  const baseUrl = (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, '');
  const database = c.DATABASE_URL.startsWith('sqlite:')
    ? { client: 'sqlite3' as const, filename: c.DATABASE_URL.slice('sqlite:'.length) }
    : { client: 'pg' as const, connectionString: c.DATABASE_URL };
  return {
    port: c.PORT,
    host: c.HOST,
    baseUrl,
    database,
    dataDir: c.DATA_DIR,
    secretsKey: c.SECRETS_KEY,
    hipchatAllowedHosts: c.HIPCHAT_ALLOWED_HOSTS,
    xmattersAllowedHosts: c.XMATTERS_ALLOWED_HOSTS,
    outboxLeaseMs: c.OUTBOX_LEASE_SECONDS * 1000,
    trustProxy: trustProxyValue(c.TRUST_PROXY),
    hipchatTimeoutMs: Math.round(c.HIPCHAT_TIMEOUT_SECONDS * 1000),
    xmattersTimeoutMs: Math.round(c.XMATTERS_TIMEOUT_SECONDS * 1000),
    eventConfirmMs: c.XMATTERS_EVENT_CONFIRM_SECONDS * 1000,
    reconcileEveryMs: c.XMATTERS_RECONCILE_SECONDS * 1000,
    unauthenticatedPerMinute: c.UNAUTHENTICATED_REQUESTS_PER_MINUTE,
    revocation: {
      confirmMs: c.HIPCHAT_REVOCATION_CONFIRM_SECONDS * 1000,
      graceMs: c.HIPCHAT_REVOKED_GRACE_SECONDS * 1000,
      probeEveryMs: c.HIPCHAT_REVOKED_PROBE_SECONDS * 1000,
    },
    alertRepeatNoticeMs: c.ALERT_REPEAT_NOTICE_SECONDS * 1000,
    logLevel: c.LOG_LEVEL,
  };
}

function trustProxyValue(value: string): boolean | number | string {
  const v = value.trim().toLowerCase();
  if (v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

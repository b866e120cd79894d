/**
 * The one allow-list rule for the hosts the add-on calls (HIPCHAT_ALLOWED_HOSTS, XMATTERS_ALLOWED_HOSTS).
 * Entries are `host`, `host:port`, `*.domain` or `*.domain:port` (IPv6 in brackets). `*.domain` matches
 * subdomains of any depth, not the domain itself. An entry without a port allows only the scheme's
 * default port (443 for https, 80 for http), whether the URL names it or not; any other port must be
 * listed.
 */
export function isUrlHostAllowed(url: URL, allowed: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || defaultPort(url.protocol);
  return allowed.some((entry) => entryMatches(splitHostPort(entry.trim().toLowerCase()), host, port, defaultPort(url.protocol)));
}

/** The same rule for a `host[:port]` as an admin typed it, spoken to over `scheme`. */
export function isHostAllowed(hostPort: string, allowed: readonly string[], scheme: 'http' | 'https'): boolean {
  return URL.canParse(`${scheme}://${hostPort}`) && isUrlHostAllowed(new URL(`${scheme}://${hostPort}`), allowed);
}

/** host[:port] of a URL, as an admin would write it in an allow list. */
export function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function defaultPort(protocol: string): string {
  return protocol === 'http:' ? '80' : '443';
}

interface HostEntry {
  host: string;
  port: string | null;
}

function entryMatches(entry: HostEntry, host: string, port: string, schemeDefault: string): boolean {
  if ((entry.port ?? schemeDefault) !== port) return false;
  if (entry.host.startsWith('*.')) return host.endsWith(entry.host.slice(1)) && host.length > entry.host.length - 1;
  return entry.host === host;
}

function splitHostPort(value: string): HostEntry {
  const bracketed = /^(\[[^\]]+\])(?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1] ?? value, port: bracketed[2] ?? null };
  const colon = value.lastIndexOf(':');
  if (colon > 0 && value.indexOf(':') === colon) return { host: value.slice(0, colon), port: value.slice(colon + 1) };
  return { host: value, port: null };
}

/**
 * Whether a URL's host is in an allow list of `host`, `host:port` or `*.domain` entries.
 * `*.domain` matches any subdomain depth; an entry without a port allows the scheme's default port only
 * when the URL names none, and any port otherwise only if listed.
 */
export function isUrlHostAllowed(url: URL, allowed: string[]): boolean {
  const host = url.hostname.toLowerCase();
  const hostPort = url.port ? `${host}:${url.port}` : host;
  return allowed.some((entry) => {
    if (entry.startsWith('*.')) {
      const [domain, port] = entry.slice(2).split(':');
      return host.endsWith(`.${domain}`) && (port ?? '') === url.port;
    }
    return entry === hostPort;
  });
}

/** host[:port] of a URL, as an admin would write it in an allow list. */
export function hostOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

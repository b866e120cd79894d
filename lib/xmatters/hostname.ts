import { isHostAllowed } from '../security/hosts';

export type Scheme = 'https' | 'http';

export type HostnameResult = { ok: true; hostname: string; scheme: Scheme } | { ok: false; message: string };

/**
 * The xMatters hostname an admin typed: a bare host[:port] such as `acme.xmatters.com`, spoken to
 * over https (docs/xmatters.md §1.1). A pasted `https://acme.xmatters.com/` is reduced to the host.
 * Plain http is used only when the admin typed `http://` and the host is in XMATTERS_ALLOWED_HOSTS
 * (an on-premise instance or a simulator the operator trusts).
 */
export function parseHostname(input: string, allowedHosts: readonly string[]): HostnameResult {
  const trimmed = input.trim();
  const scheme: Scheme = /^http:\/\//i.test(trimmed) ? 'http' : 'https';
  const value = trimmed.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  if (value === '' || value.length > 253 || /[/?#@\s\\]/.test(value) || !URL.canParse(`${scheme}://${value}`)) {
    return { ok: false, message: 'Enter the xMatters hostname only, for example acme.xmatters.com (no path, no user name).' };
  }
  const hostname = new URL(`${scheme}://${value}`).host;
  if (scheme === 'http' && !isHostAllowed(hostname, allowedHosts, 'http')) {
    return {
      ok: false,
      message: `xMatters is called over https only; plain http is allowed just for hosts in XMATTERS_ALLOWED_HOSTS, and ${hostname} is not one.`,
    };
  }
  return { ok: true, hostname, scheme };
}

import { readFileSync } from 'node:fs';

const cloudDocument = JSON.parse(
  readFileSync(new URL('./schema/server-capabilities.json', import.meta.url), 'utf8'),
) as ServerCapabilities;

interface ServerCapabilities {
  links: { self: string; api: string; homepage: string; subdomain: string };
  capabilities: {
    oauth2Provider: { authorizationUrl: string; tokenUrl: string };
    hipchatApiProvider: { url: string; availableScopes: Record<string, unknown> };
  };
  [key: string]: unknown;
}

/**
 * HipChat Cloud's capabilities document with this server's URLs. `links.api` has no trailing slash
 * and `hipchatApiProvider.url` has one, as on HipChat (docs §2), so clients that join either way work.
 */
export function capabilitiesDocument(baseUrl: string): ServerCapabilities {
  const doc = structuredClone(cloudDocument);
  doc.links = { self: `${baseUrl}/v2/capabilities`, api: `${baseUrl}/v2`, homepage: baseUrl, subdomain: baseUrl };
  doc.capabilities.oauth2Provider = {
    authorizationUrl: `${baseUrl}/users/authorize`,
    tokenUrl: `${baseUrl}/v2/oauth/token`,
  };
  doc.capabilities.hipchatApiProvider.url = `${baseUrl}/v2/`;
  return doc;
}

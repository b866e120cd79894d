import { readFileSync } from 'node:fs';

const TEMPLATE = readFileSync(new URL('../../atlassian-connect.json', import.meta.url), 'utf8');

export interface Descriptor {
  key: string;
  name: string;
  links: { self: string; homepage?: string };
  capabilities: {
    hipchatApiConsumer: { scopes: string[]; fromName?: string };
    installable: { callbackUrl: string; allowGlobal?: boolean; allowRoom?: boolean };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The descriptor with `{{baseUrl}}` filled in (JSON-escaped, so a base URL cannot break the document). */
export function renderDescriptor(baseUrl: string): Descriptor {
  const escaped = JSON.stringify(baseUrl).slice(1, -1);
  return JSON.parse(TEMPLATE.replaceAll('{{baseUrl}}', escaped)) as Descriptor;
}

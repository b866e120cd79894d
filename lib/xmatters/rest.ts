import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { XMattersError } from './errors';
import { notXMatters, restError } from './status-errors';
import { send } from './transport';

/** What a REST call needs: the base `{scheme}://{hostname}/api/xm/1` and the integration user. */
export interface RestContext {
  http: AxiosInstance;
  baseUrl: string;
  host: string;
  username: string;
  password: string;
}

/** GET a REST resource and read it with `schema`; any other answer becomes an XMattersError. */
export async function getJson<T extends z.ZodType>(
  ctx: RestContext,
  url: string,
  params: Record<string, string | number> | undefined,
  schema: T,
): Promise<z.infer<T>> {
  const res = await send(ctx.http, {
    method: 'GET',
    url,
    ...(params ? { params } : {}),
    auth: { username: ctx.username, password: ctx.password },
  });
  if (res.status < 200 || res.status > 299) throw restError(res, ctx.host, ctx.username);
  if (res.json === undefined) throw notXMatters(res, ctx.host);
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) {
    throw new XMattersError(
      'not_xmatters',
      `${ctx.host} answered in a shape the xMatters API does not use, so it does not look like an xMatters instance. Check the hostname.`,
      { status: res.status },
    );
  }
  return parsed.data;
}

/** POST a JSON body to a REST resource and read the answer with `schema`. */
export async function postJson<T extends z.ZodType>(ctx: RestContext, url: string, body: unknown, schema: T): Promise<z.infer<T>> {
  const res = await send(ctx.http, {
    method: 'POST',
    url,
    data: body,
    headers: { 'Content-Type': 'application/json' },
    auth: { username: ctx.username, password: ctx.password },
  });
  if (res.status < 200 || res.status > 299) throw restError(res, ctx.host, ctx.username);
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) throw notXMatters(res, ctx.host);
  return parsed.data;
}

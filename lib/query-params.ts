/** One `name=value` of a URL's query, raw as written and decoded as URLSearchParams reads it. */
export interface QueryParam {
  rawName: string;
  rawValue: string;
  name: string;
  value: string;
}

/**
 * Rewrites the raw values of chosen query parameters and leaves every other byte of the URL as it is.
 * `replace` returns the new raw value, or undefined to keep the parameter; parameters without `=` are
 * kept as they are.
 */
export function rewriteQueryValues(url: string, replace: (param: QueryParam) => string | undefined): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  const params = url
    .slice(start + 1, end)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      if (eq < 0) return param;
      const [name = '', value = ''] = [...new URLSearchParams(param).entries()][0] ?? [];
      const rawName = param.slice(0, eq);
      const rawValue = param.slice(eq + 1);
      const replaced = replace({ rawName, rawValue, name, value });
      return replaced === undefined ? param : `${rawName}=${replaced}`;
    });
  return `${url.slice(0, start + 1)}${params.join('&')}${url.slice(end)}`;
}

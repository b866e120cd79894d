/** The web client's CSP; `formTargets` are origins a form on the page may submit or be redirected to. */
export function contentSecurityPolicy(frames: string[], formTargets: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: http: https:",
    `frame-src ${frames.length > 0 ? frames.join(' ') : "'none'"}`,
    "connect-src 'self'",
    `form-action ${["'self'", ...formTargets].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * The web client's CSP: `frames` are origins of add-on pages it may frame, `formTargets` origins a form may
 * submit or be redirected to, `fetches` origins the page may fetch from (glance `queryUrl`s).
 */
export function contentSecurityPolicy(frames: string[], formTargets: string[] = [], fetches: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: http: https:",
    `frame-src ${frames.length > 0 ? frames.join(' ') : "'none'"}`,
    `connect-src ${["'self'", ...fetches].join(' ')}`,
    `form-action ${["'self'", ...formTargets].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** No inline script or style; the one script is the Copy URL button's. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export type Section = 'developer' | 'events' | 'inbox';

/** A whole page; `body` must already be escaped HTML. */
export function layout(title: string, body: string, section: Section = 'inbox', wide = false): string {
  const link = (href: string, name: Section, label: string) =>
    `<a href="${href}"${section === name ? ' aria-current="page"' : ''}>${label}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · xMatters (simulated)</title>
<link rel="stylesheet" href="/inbox/inbox.css">
<script src="/assets/copy.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">xMatters</a><span class="sim">simulator</span>
<nav aria-label="Main">${link('/developer', 'developer', 'Developer')}${link('/events', 'events', 'Events')}${link('/inbox', 'inbox', 'Inbox')}</nav></header>
<main${wide ? ' class="wide"' : ''}>
${body}
</main>
</body>
</html>`;
}

/** The Copy URL buttons: copy the text of the input named by data-copy. */
export const COPY_JS = `document.addEventListener('click', function (e) {
  var button = e.target.closest('button[data-copy]');
  if (!button) return;
  var input = document.getElementById(button.getAttribute('data-copy'));
  if (!input) return;
  input.select();
  navigator.clipboard.writeText(input.value).then(function () { button.textContent = 'Copied'; }, function () { button.textContent = 'Select and copy'; });
});
`;

/** An ISO time as "2025-01-31 09:15:02 UTC". */
export function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export const INBOX_CSS = `
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --brand: #0b5394; --ok: #1e7d32; --no: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f5f7fa; }
.top { display: flex; align-items: baseline; gap: .6rem; padding: .8rem 1.5rem; background: var(--brand); color: #fff; }
.top .brand { color: #fff; font-weight: 700; font-size: 1.15rem; text-decoration: none; }
.top .sim { font-size: .8rem; opacity: .8; text-transform: uppercase; letter-spacing: .05em; }
main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
main.wide { max-width: 72rem; }
.top nav { margin-left: auto; display: flex; gap: 1.1rem; }
.top nav a { color: #fff; text-decoration: none; opacity: .85; }
.top nav a[aria-current="page"] { opacity: 1; font-weight: 600; border-bottom: 2px solid #fff; }
h2.section { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
table.grid { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 1rem; font-size: .92rem; }
table.grid th, table.grid td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.grid th { background: #eef2f7; font-weight: 600; }
table.grid td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { display: inline-block; font-size: .75rem; font-weight: 600; padding: .05rem .45rem; border-radius: 999px; background: #eef2f7; }
.tag.ok, .tag.ACTIVE { background: #e8f3ea; color: var(--ok); }
.tag.error, .tag.TERMINATED { background: #fbeaea; color: var(--no); }
.copy { display: flex; gap: .5rem; }
.copy input { flex: 1; font: .85rem ui-monospace, monospace; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #f9fbfd; }
button.plain, .actions button.plain { background: var(--brand); }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
form.inline label { margin: 0; }
form.inline input, form.inline select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; }
details.activity { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-bottom: .5rem; }
details.activity summary { padding: .5rem .8rem; cursor: pointer; display: flex; gap: .6rem; align-items: baseline; }
details.activity .body { padding: 0 .8rem .8rem; }
pre { background: #f5f7fa; border: 1px solid var(--line); border-radius: 6px; padding: .5rem .6rem; overflow: auto; font-size: .82rem; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { padding: .35rem 0 .35rem .9rem; border-left: 3px solid var(--line); margin-left: .3rem; }
ol.timeline li.response { border-color: var(--ok); }
ol.timeline li.failure, ol.timeline li.status { border-color: var(--brand); }
ol.timeline li.escalation { border-color: #f0b429; }
ol.timeline li.comment { border-color: #8e6bbf; }
.warnings li { color: #8a5a00; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.lede { color: var(--muted); margin: 0 0 1.25rem; }
.notice { padding: .6rem .9rem; border-radius: 6px; margin-bottom: 1rem; background: #e8f3ea; border: 1px solid #b7dcbf; }
.notice.error { background: #fbeaea; border-color: #efbcbc; }
.notification { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin-bottom: 1rem; }
.notification header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; }
.notification h2 { font-size: 1.1rem; margin: 0; }
.meta { color: var(--muted); font-size: .85rem; }
.badge { font-size: .72rem; font-weight: 600; padding: .1rem .45rem; border-radius: 999px; background: #eef2f7; }
.badge.HIGH { background: #fde2e1; color: var(--no); }
dl.properties { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .8rem 0; }
dl.properties dt { color: var(--muted); }
dl.properties dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
label { display: block; font-size: .85rem; color: var(--muted); margin-bottom: .25rem; }
textarea { width: 100%; font: inherit; padding: .45rem .55rem; border: 1px solid var(--line); border-radius: 6px; resize: vertical; }
.actions { display: flex; gap: .6rem; margin-top: .6rem; }
button { font: inherit; font-weight: 600; border: 0; border-radius: 6px; padding: .45rem 1.1rem; cursor: pointer; color: #fff; }
button.positive { background: var(--ok); }
button.negative { background: var(--no); }
button.neutral { background: var(--muted); }
button:focus-visible, a:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
.state { margin: .6rem 0 0; font-weight: 600; }
.state.POSITIVE { color: var(--ok); }
.state.NEGATIVE, .state.failed { color: var(--no); }
.empty { color: var(--muted); }
ul.people { list-style: none; padding: 0; }
ul.people li { padding: .4rem 0; border-bottom: 1px solid var(--line); }
form.find { display: flex; gap: .5rem; margin-bottom: 1rem; }
form.find input { flex: 1; font: inherit; padding: .4rem .55rem; border: 1px solid var(--line); border-radius: 6px; }
form.find button { background: var(--brand); }
`;

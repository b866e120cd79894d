const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** A whole page; `body` must already be escaped HTML. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · xMatters (simulated)</title>
<link rel="stylesheet" href="/inbox/inbox.css">
</head>
<body>
<header class="top"><a class="brand" href="/inbox">xMatters</a><span class="sim">simulator</span></header>
<main>
${body}
</main>
</body>
</html>`;
}

export const INBOX_CSS = `
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --brand: #0b5394; --ok: #1e7d32; --no: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f5f7fa; }
.top { display: flex; align-items: baseline; gap: .6rem; padding: .8rem 1.5rem; background: var(--brand); color: #fff; }
.top .brand { color: #fff; font-weight: 700; font-size: 1.15rem; text-decoration: none; }
.top .sim { font-size: .8rem; opacity: .8; text-transform: uppercase; letter-spacing: .05em; }
main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
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
button.accept { background: var(--ok); }
button.decline { background: var(--no); }
button:focus-visible, a:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
.state { margin: .6rem 0 0; font-weight: 600; }
.state.Accept { color: var(--ok); }
.state.Decline, .state.failed { color: var(--no); }
.empty { color: var(--muted); }
ul.people { list-style: none; padding: 0; }
ul.people li { padding: .4rem 0; border-bottom: 1px solid var(--line); }
form.find { display: flex; gap: .5rem; margin-bottom: 1rem; }
form.find input { flex: 1; font: inherit; padding: .4rem .55rem; border: 1px solid var(--line); border-radius: 6px; }
form.find button { background: var(--brand); }
`;

import express, { Router, type Request, type Response } from 'express';
import { maskUrl, type ActivityEntry } from './activity';
import { escapeHtml, layout, when } from './html';
import { TRIGGER_KIND_LABELS, type InboundIntegration, type SimPlan } from './plan-model';
import { PlanError } from './plan-store';
import type { XMattersSim } from './server';
import { UploadError, readUpload } from './upload';

// The Developer tab (seed 002): Import Plan, each plan with its forms, integrations and endpoints,
// the admin's settings after an import (access, sender permissions, authentication method, endpoint
// credentials), and each integration's Activity Stream. The pages act as the admin user.

const AUTH_LABELS: Record<InboundIntegration['authType'], string> = {
  URL: 'URL Authentication',
  BASIC: 'Basic Authentication',
  ALL: 'Allow all methods',
};

export function developerRouter(sim: () => XMattersSim): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '32kb' });
  /** Warnings of the latest import of each plan, shown once on its page. */
  const importWarnings = new Map<string, string[]>();

  router.get('/developer', (req, res) => {
    res.type('html').send(developerPage(sim(), typeof req.query.error === 'string' ? req.query.error : null));
  });

  router.post('/developer/import', async (req, res) => {
    try {
      const imported = sim().importPlan(await readUpload(req, 'plan'));
      importWarnings.set(imported.plan.id, imported.warnings);
      res.redirect(303, `/developer/plans/${imported.plan.id}?notice=imported`);
    } catch (error) {
      if (!(error instanceof PlanError) && !(error instanceof UploadError)) throw error;
      res.status(error instanceof PlanError ? error.status : 400).type('html').send(developerPage(sim(), error.message));
    }
  });

  router.get('/developer/plans/:planId', (req, res) => {
    const plan = sim().plans.plans.find((p) => p.id === req.params.planId);
    if (!plan) return notFound(res, 'There is no such plan.');
    const warnings = req.query.notice === 'imported' ? (importWarnings.get(plan.id) ?? []) : [];
    res.type('html').send(planPage(sim(), plan, noticeText(req), warnings));
  });

  const change = (path: string, apply: (req: Request) => string) =>
    router.post(path, form, (req, res) => {
      try {
        const planId = apply(req);
        res.redirect(303, `/developer/plans/${planId}?notice=saved`);
      } catch (error) {
        if (!(error instanceof PlanError)) throw error;
        const planId = planOf(sim(), req.params as Record<string, string>);
        if (!planId) return notFound(res, error.message);
        res.status(error.status).type('html').send(planPage(sim(), sim().plans.plan(planId), { error: true, text: error.message }, []));
      }
    });
  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  const userList = (req: Request) => field(req, 'users').split(/[\s,]+/).filter(Boolean);

  change('/developer/plans/:planId/access', (req) => {
    sim().plans.setAccess(req.params.planId as string, userList(req));
    return req.params.planId as string;
  });
  change('/developer/forms/:formId/senders', (req) => {
    const form = sim().plans.setSenders(req.params.formId as string, userList(req));
    return sim().plans.form(form.id)!.plan.id;
  });
  change('/developer/integrations/:integrationId/auth', (req) => {
    const authType = field(req, 'authType');
    if (authType !== 'URL' && authType !== 'BASIC' && authType !== 'ALL') throw new PlanError(400, 'Choose an authentication method.');
    sim().plans.setInboundAuth(req.params.integrationId as string, authType);
    return sim().plans.integration(req.params.integrationId as string).plan.id;
  });
  change('/developer/plans/:planId/endpoints/:name', (req) => {
    const authentication = field(req, 'authentication');
    if (authentication !== 'NO_AUTH' && authentication !== 'BASIC' && authentication !== 'URL') throw new PlanError(400, 'Choose an authentication type.');
    const password = field(req, 'password');
    const apiKey = field(req, 'apiKey');
    sim().plans.setEndpoint(req.params.planId as string, req.params.name as string, {
      baseUrl: field(req, 'baseUrl'),
      authentication,
      username: authentication === 'BASIC' ? field(req, 'username') : null,
      // An empty password field keeps the one set before, as password fields do.
      ...(password ? { password } : authentication === 'BASIC' ? {} : { password: null }),
      ...(apiKey ? { apiKey } : authentication === 'URL' ? {} : { apiKey: null }),
    });
    return req.params.planId as string;
  });

  router.get('/developer/integrations/:integrationId', (req, res) => {
    let found;
    try {
      found = sim().plans.integration(req.params.integrationId);
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      return notFound(res, error.message);
    }
    const integration = found.inbound ?? found.outbound!;
    const kind = found.inbound ? 'Inbound integration' : `Outbound integration · ${TRIGGER_KIND_LABELS[found.outbound!.triggeredBy]}`;
    const entries = integration.activity.latest();
    res.type('html').send(
      layout(
        `${integration.name} · Activity Stream`,
        `<p class="meta"><a href="/developer">Developer</a> › <a href="/developer/plans/${escapeHtml(found.plan.id)}">${escapeHtml(found.plan.name)}</a></p>
<h1>${escapeHtml(integration.name)}</h1>
<p class="lede">${escapeHtml(kind)} · <a href="/developer/integrations/${escapeHtml(integration.id)}">Refresh</a></p>
<h2 class="section">Activity Stream</h2>
${entries.length ? entries.map(activityEntry).join('\n') : '<p class="empty">Nothing yet. Requests and webhooks appear here as they happen.</p>'}`,
        'developer',
        true,
      ),
    );
  });

  return router;
}

function planOf(sim: XMattersSim, params: Record<string, string>): string | undefined {
  if (params.planId) return sim.plans.plans.find((p) => p.id === params.planId)?.id;
  if (params.formId) return sim.plans.form(params.formId)?.plan.id;
  if (params.integrationId) {
    try {
      return sim.plans.integration(params.integrationId).plan.id;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function noticeText(req: Request): { error: boolean; text: string } | null {
  if (req.query.notice === 'imported') return { error: false, text: 'The plan was imported. Set the endpoint credentials, the access and sender permissions, and copy the inbound URL.' };
  if (req.query.notice === 'saved') return { error: false, text: 'Saved.' };
  return null;
}

function notFound(res: Response, message: string): void {
  res.status(404).type('html').send(layout('Not found', `<h1>Not found</h1><p class="lede">${escapeHtml(message)}</p><p><a href="/developer">Back to the Developer tab</a></p>`, 'developer'));
}

function developerPage(sim: XMattersSim, error: string | null): string {
  const rows = sim.plans.plans
    .map(
      (plan) => `<tr><td><a href="/developer/plans/${escapeHtml(plan.id)}">${escapeHtml(plan.name)}</a><div class="meta">${escapeHtml(plan.description)}</div></td>
<td class="num">${plan.forms.length}</td><td class="num">${plan.inbound.length}</td><td class="num">${plan.outbound.length}</td><td class="num">${plan.endpoints.length}</td>
<td>${escapeHtml(plan.createdBy)}</td></tr>`,
    )
    .join('\n');
  return layout(
    'Developer',
    `<h1>Communication plans</h1>
<p class="lede">Plans hold the forms that events are made from and the integrations that send events in and updates out.</p>
${error ? `<p class="notice error" role="alert">${escapeHtml(error)}</p>` : ''}
<section class="card" aria-labelledby="import-title">
<h2 id="import-title" class="section">Import Plan</h2>
<form method="post" action="/developer/import" enctype="multipart/form-data" class="inline">
<label for="plan-file">Communication plan (.zip)</label>
<input id="plan-file" name="plan" type="file" accept=".zip,application/zip" required>
<button type="submit" class="plain">Import Plan</button>
</form>
</section>
<table class="grid"><thead><tr><th>Plan</th><th>Forms</th><th>Inbound</th><th>Outbound</th><th>Endpoints</th><th>Created by</th></tr></thead>
<tbody>${rows}</tbody></table>`,
    'developer',
    true,
  );
}

function planPage(sim: XMattersSim, plan: SimPlan, notice: { error: boolean; text: string } | null, warnings: string[]): string {
  const people = (names: Set<string>) => (names.size ? [...names].map(escapeHtml).join(', ') : '<span class="empty">nobody</span>');
  const forms = plan.forms
    .map((form) => {
      const properties = form.properties
        .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.kind === 'TEXT' ? 'Text' : 'Other'}</td><td class="num">${p.maxLength ?? '—'}</td><td>${p.includeInCallbacks ? 'Yes' : 'No'}</td><td>${p.required ? 'Yes' : 'No'}</td></tr>`)
        .join('');
      const responses = form.responses
        .map((r) => `<tr><td>${escapeHtml(r.text)}</td><td>${escapeHtml(r.description)}</td><td>${escapeHtml(r.action)}</td><td>${escapeHtml(r.contribution)}</td></tr>`)
        .join('');
      return `<section class="card" id="form-${escapeHtml(form.id)}">
<h3>${escapeHtml(form.name)}</h3><p class="meta">${escapeHtml(form.description)} · events expire after ${form.expirationInMinutes} minutes</p>
<table class="grid"><caption class="meta">Properties</caption><thead><tr><th>Property</th><th>Type</th><th>Max length</th><th>Include in outbound integrations</th><th>Required</th></tr></thead><tbody>${properties || '<tr><td colspan="5" class="empty">No properties</td></tr>'}</tbody></table>
<table class="grid"><caption class="meta">Response options</caption><thead><tr><th>Response</th><th>Description</th><th>Action</th><th>Contribution</th></tr></thead><tbody>${responses || '<tr><td colspan="4" class="empty">No response options</td></tr>'}</tbody></table>
<form method="post" action="/developer/forms/${escapeHtml(form.id)}/senders" class="inline">
<label for="senders-${escapeHtml(form.id)}">Sender Permissions (user IDs)</label>
<input id="senders-${escapeHtml(form.id)}" name="users" value="${escapeHtml([...form.senders].join(', '))}" size="40">
<button type="submit" class="plain">Save Changes</button>
</form>
</section>`;
    })
    .join('\n');
  const inbound = plan.inbound
    .map((i) => {
      const url = sim.inboundUrl(i.id);
      const options = (Object.keys(AUTH_LABELS) as Array<keyof typeof AUTH_LABELS>)
        .map((a) => `<option value="${a}"${a === i.authType ? ' selected' : ''}>${AUTH_LABELS[a]}</option>`)
        .join('');
      return `<section class="card" id="integration-${escapeHtml(i.id)}">
<h3>${escapeHtml(i.name)}</h3>
<p class="meta">Creates events from the form "${escapeHtml(plan.forms.find((f) => f.id === i.formId)?.name ?? '')}" · ${i.script === null ? 'the request body is the trigger' : 'runs its transformation script'} · URL authentication runs as ${escapeHtml(i.authenticatingUser)} · <a href="/developer/integrations/${escapeHtml(i.id)}">Activity Stream</a></p>
<form method="post" action="/developer/integrations/${escapeHtml(i.id)}/auth" class="inline">
<label for="auth-${escapeHtml(i.id)}">Select authentication method</label>
<select id="auth-${escapeHtml(i.id)}" name="authType">${options}</select>
<button type="submit" class="plain">Update Inbound Integration</button>
</form>
<p><label for="url-${escapeHtml(i.id)}">How to trigger the integration</label></p>
<div class="copy"><input id="url-${escapeHtml(i.id)}" value="${escapeHtml(url)}" readonly aria-label="Inbound integration URL"><button type="button" class="plain" data-copy="url-${escapeHtml(i.id)}">Copy URL</button></div>
${i.script === null ? '' : `<details><summary>Transformation script</summary><pre>${escapeHtml(i.script)}</pre></details>`}
</section>`;
    })
    .join('\n');
  const outbound = plan.outbound
    .map(
      (o) => `<tr><td><a href="/developer/integrations/${escapeHtml(o.id)}">${escapeHtml(o.name)}</a></td><td>${escapeHtml(TRIGGER_KIND_LABELS[o.triggeredBy])}${o.responseChoice ? ` (${escapeHtml(o.responseChoice)})` : ''}</td>
<td>${o.action === 'SEND_WEBHOOK' ? 'Send a webhook' : 'Run a script (not simulated)'}</td><td>${escapeHtml(o.endpointName ?? '—')}${o.path ? ` <code>${escapeHtml(o.path)}</code>` : ''}</td><td class="num">${o.activity.entries.length}</td></tr>`,
    )
    .join('');
  const endpoints = plan.endpoints
    .map((e) => {
      const id = `endpoint-${escapeHtml(e.name.replace(/\W+/g, '-'))}`;
      const auth = (value: string, label: string) => `<option value="${value}"${e.authentication === value ? ' selected' : ''}>${label}</option>`;
      return `<section class="card" id="${id}">
<h3>${escapeHtml(e.name)}</h3>
<p class="meta">${e.baseUrl ? escapeHtml(maskUrl(e.baseUrl)) : 'No URL yet'} · ${escapeHtml(e.authentication)}${e.authentication === 'BASIC' ? ` as ${escapeHtml(e.username ?? '')}, password ${e.password === null ? '<strong>not set</strong>' : 'set'}` : ''}</p>
<form method="post" action="/developer/plans/${escapeHtml(plan.id)}/endpoints/${escapeHtml(encodeURIComponent(e.name))}" class="inline">
<label>Base URL <input name="baseUrl" value="${escapeHtml(e.baseUrl)}" size="40" type="url"></label>
<label>Authentication <select name="authentication">${auth('NO_AUTH', 'No Authentication')}${auth('BASIC', 'Basic')}${auth('URL', 'URL key')}</select></label>
<label>Username <input name="username" value="${escapeHtml(e.username ?? '')}" autocomplete="off"></label>
<label>Password <input name="password" type="password" autocomplete="new-password" placeholder="${e.password === null ? '' : 'unchanged'}"></label>
<label>URL key <input name="apiKey" type="password" autocomplete="off" placeholder="${e.apiKey === null ? '' : 'unchanged'}"></label>
<button type="submit" class="plain">Save Changes</button>
</form>
</section>`;
    })
    .join('\n');
  const constants = plan.constants.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.value)}</td><td>${escapeHtml(c.description)}</td></tr>`).join('');
  return layout(
    plan.name,
    `<p class="meta"><a href="/developer">Developer</a> › ${escapeHtml(plan.name)}</p>
<h1>${escapeHtml(plan.name)}</h1>
<p class="lede">${escapeHtml(plan.description)} · created by ${escapeHtml(plan.createdBy)} ${escapeHtml(when(plan.createdAt))}</p>
${notice ? `<p class="notice${notice.error ? ' error' : ''}" role="${notice.error ? 'alert' : 'status'}">${escapeHtml(notice.text)}</p>` : ''}
${warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<form method="post" action="/developer/plans/${escapeHtml(plan.id)}/access" class="inline card">
<label for="access">Access Permissions (user IDs)</label>
<input id="access" name="users" value="${escapeHtml([...plan.access].join(', '))}" size="50">
<button type="submit" class="plain">Save Changes</button>
<span class="meta">Now: ${people(plan.access)}</span>
</form>
<h2 class="section">Forms</h2>
${forms}
<h2 class="section">Inbound integrations</h2>
${inbound || '<p class="empty">None.</p>'}
<h2 class="section">Outbound integrations</h2>
<table class="grid"><thead><tr><th>Integration</th><th>Trigger</th><th>Action</th><th>Endpoint</th><th>Activity</th></tr></thead><tbody>${outbound || '<tr><td colspan="5" class="empty">None</td></tr>'}</tbody></table>
<h2 class="section">Endpoints</h2>
${endpoints || '<p class="empty">None.</p>'}
${constants ? `<h2 class="section">Constants</h2><table class="grid"><thead><tr><th>Name</th><th>Value</th><th>Description</th></tr></thead><tbody>${constants}</tbody></table>` : ''}`,
    'developer',
    true,
  );
}

function activityEntry(entry: ActivityEntry): string {
  const request = entry.request
    ? `<h4>Request</h4><pre>${escapeHtml(`${entry.request.method} ${entry.request.url}\n${Object.entries(entry.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${entry.request.body}`)}</pre>`
    : '';
  const response = entry.response ? `<h4>Response</h4><pre>${escapeHtml(`HTTP ${entry.response.status ?? '(no answer)'}\n\n${entry.response.body}`)}</pre>` : '';
  const log = entry.log.length ? `<h4>Log</h4><pre>${escapeHtml(entry.log.join('\n'))}</pre>` : '';
  const event = entry.eventIdentifier ? ` · <a href="/events/${entry.eventIdentifier}">event ${entry.eventIdentifier}</a>` : '';
  return `<details class="activity" id="activity-${entry.id}">
<summary><span class="tag ${entry.outcome}">${entry.outcome}</span> ${escapeHtml(entry.title)} <span class="meta">${escapeHtml(when(entry.at))}${entry.requestId ? ` · request ${escapeHtml(entry.requestId)}` : ''}</span></summary>
<div class="body"><p class="meta">${event.replace(/^ · /, '')}</p>${request}${response}${log}</div>
</details>`;
}

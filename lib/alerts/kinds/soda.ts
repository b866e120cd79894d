import { AddonError } from '../../errors';
import type { NoticeCard, NoticeColor, RoomNotice } from '../../invites/chat';
import { jsonOf, type IntakeBody } from '../body';
import { fitMessage, linkUrl, type AlertDraft } from '../draft';
import { FieldReader, parsePath, type FieldPath } from '../paths';
import { notifiesFor, severityColor } from '../severity';

/** Check results in one checkEvaluation that become alerts. */
export const MAX_CHECK_RESULTS = 50;

const paths = new Map<string, FieldPath>();
/** The text at one of the fixed paths of Soda's payloads, trimmed. */
function get(reader: FieldReader, path: string): string {
  let parsed = paths.get(path);
  if (!parsed) {
    parsed = parsePath(path) as FieldPath;
    paths.set(path, parsed);
  }
  return reader.text(parsed).trim();
}

/**
 * Soda Cloud's webhook events (docs/alerts.md §3.2, from [SODA-V3] and [SODA-V4]): validate,
 * checkEvaluation (one alert per check result), incidentCreated / incidentUpdated (both generations of
 * field names), contractPublished, and the older agreement events. An event not documented is still
 * posted, named, so nothing Soda sends is dropped.
 */
export function sodaDrafts(body: IntakeBody): AlertDraft[] {
  const payload = jsonOf(body);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw notSoda('the body is not a JSON object');
  const event = (payload as Record<string, unknown>).event;
  if (typeof event !== 'string' || event === '') throw notSoda('the body has no "event" field');
  if (event === 'checkEvaluation') return checkDrafts(payload as Record<string, unknown>);
  const reader = new FieldReader(payload);
  const notice = event === 'incidentCreated' || event === 'incidentUpdated' ? incidentNotice(reader, event) : otherNotice(reader, event);
  return [{ fields: reader, notice, summary: notice.text, payload }];
}

const notSoda = (why: string) =>
  new AddonError(400, 'invalid_soda_event', `Not a Soda Cloud webhook event: ${why}. Soda Cloud sends {"event": "checkEvaluation", …}, incidentCreated, incidentUpdated, contractPublished or validate.`);

/** One alert per check result, each reading the payload as if it held that result alone. */
function checkDrafts(payload: Record<string, unknown>): AlertDraft[] {
  const results = payload.checkResults;
  if (!Array.isArray(results) || results.length === 0) throw notSoda('checkEvaluation has no checkResults');
  if (results.length > MAX_CHECK_RESULTS) throw new AddonError(413, 'too_many_results', `A checkEvaluation may carry at most ${MAX_CHECK_RESULTS} check results.`);
  return results.map((result) => {
    const single = { ...payload, checkResults: [result] };
    const reader = new FieldReader(single);
    const notice = checkNotice(reader);
    return { fields: reader, notice, summary: notice.text, payload: single };
  });
}

const OUTCOME_VERBS: Record<string, string> = { fail: 'failed', warn: 'warned', pass: 'passed', error: 'could not be evaluated' };
const OUTCOME_LOZENGES: Record<string, NoticeCard['attributes'][number]['style']> = { fail: 'error', error: 'error', warn: 'current', pass: 'success' };

function checkNotice(r: FieldReader): RoomNotice {
  const outcome = get(r, 'checkResults.0.outcome').toLowerCase();
  const definition = get(r, 'checkResults.0.definition');
  const name = get(r, 'checkResults.0.name') || definition.split('\n').map((line) => line.trim()).filter(Boolean).at(-1) || 'a check';
  const dataset = get(r, 'checkResults.0.datasets.0.label') || get(r, 'checkResults.0.datasets.0.name');
  const datasource = get(r, 'checkResults.0.datasets.0.datasource.label') || get(r, 'checkResults.0.datasets.0.datasource.name');
  const value = get(r, 'checkResults.0.diagnostics.value');
  const url = linkUrl(get(r, 'checkResults.0.sodaCloudUrl'));
  const agreement = get(r, 'checkResults.0.agreement.label');
  const verb = OUTCOME_VERBS[outcome] ?? `ended "${outcome || 'without an outcome'}"`;
  const where = dataset ? ` on ${dataset}${datasource ? ` (${datasource})` : ''}` : '';
  const text = `Soda check ${verb}: ${name}${where}${value ? ` — value ${value}` : ''}${url ? ` ${url}` : ''}`;
  const color = severityColor(outcome) ?? 'gray';
  return notice(text, color, notifiesFor(color), {
    title: `Check ${verb}: ${name}`,
    description: definition,
    url,
    attributes: [
      { label: 'Outcome', value: outcome || 'unknown', ...(OUTCOME_LOZENGES[outcome] ? { style: OUTCOME_LOZENGES[outcome] } : {}) },
      { label: 'Dataset', value: dataset },
      { label: 'Data source', value: datasource },
      { label: 'Column', value: get(r, 'checkResults.0.column') },
      { label: 'Value', value },
      { label: 'Agreement', value: agreement },
    ],
  });
}

function incidentNotice(r: FieldReader, event: 'incidentCreated' | 'incidentUpdated'): RoomNotice {
  const number = get(r, 'incident.number');
  const title = get(r, 'incident.title') || 'an incident';
  const severity = get(r, 'incident.severity');
  const status = get(r, 'incident.status');
  const url = linkUrl(get(r, 'incident.sodaCloudUrl'));
  const resolved = status.toLowerCase() === 'resolved';
  const verb = event === 'incidentCreated' ? 'opened' : resolved ? 'resolved' : 'updated';
  const facts = [severity && `severity ${severity}`, status && `status ${status}`].filter(Boolean).join(', ');
  const text = `Soda incident${number ? ` #${number}` : ''} ${verb}: ${title}${facts ? ` (${facts})` : ''}${url ? ` ${url}` : ''}`;
  const color: NoticeColor = resolved ? 'green' : (severityColor(severity) ?? 'yellow');
  const checks = r.get(['incident', 'checkResults']);
  return notice(text, color, event === 'incidentCreated' && notifiesFor(color), {
    title: `Incident${number ? ` #${number}` : ''} ${verb}: ${title}`,
    description: [get(r, 'incident.description'), resolved ? get(r, 'incident.resolutionNotes') : ''].filter(Boolean).join('\n'),
    url,
    attributes: [
      { label: 'Severity', value: severity },
      { label: 'Status', value: status, ...(resolved ? { style: 'success' as const } : { style: 'current' as const }) },
      { label: 'Lead', value: get(r, 'incident.lead.email') },
      { label: 'Reporter', value: get(r, 'incident.reporter.email') },
      { label: 'Checks', value: Array.isArray(checks) ? String(checks.length) : '' },
    ],
  });
}

function otherNotice(r: FieldReader, event: string): RoomNotice {
  if (event === 'validate') {
    const sentAt = get(r, 'sentAt');
    return notice(`Soda Cloud webhook test: the add-on received Soda's validate event${sentAt ? ` (sent ${sentAt})` : ''}.`, 'gray', false);
  }
  if (event === 'contractPublished') {
    const dataset = get(r, 'contract.dataset') || 'a dataset';
    const author = get(r, 'contract.author.email');
    return notice(`Soda contract published for ${dataset}${author ? ` by ${author}` : ''}.`, 'purple', false, {
      title: `Contract published: ${dataset}`,
      description: get(r, 'contract.contents'),
      url: undefined,
      attributes: [
        { label: 'Data source', value: get(r, 'contract.datasource') },
        { label: 'Author', value: author },
      ],
    });
  }
  if (event.startsWith('agreement')) {
    const label = get(r, 'agreement.label') || 'an agreement';
    const by = get(r, 'agreement.createdBy.email') || get(r, 'agreement.updatedBy.email');
    const verb = event === 'agreementCreated' ? 'created' : event === 'agreementDeleted' ? 'deleted' : 'updated';
    const url = linkUrl(get(r, 'agreement.sodaCloudUrl'));
    return notice(`Soda agreement ${verb}: ${label}${by ? ` by ${by}` : ''}${url ? ` ${url}` : ''}`, 'purple', false);
  }
  return notice(`Soda Cloud sent a "${event.slice(0, 100)}" event.`, 'gray', false);
}

function notice(text: string, color: NoticeColor, notify: boolean, card?: Omit<NoticeCard, 'id' | 'url'> & { url: string | undefined }): RoomNotice {
  return {
    text: fitMessage(text, 'text'),
    color,
    notify,
    ...(card
      ? {
          card: {
            id: '',
            title: card.title,
            description: card.description,
            ...(card.url ? { url: card.url } : {}),
            attributes: card.attributes.filter((a) => a.value !== ''),
          },
        }
      : {}),
  };
}

import { AddonError } from '../../errors';
import type { NoticeCard } from '../../invites/chat';
import { jsonOf, type IntakeBody } from '../body';
import { fitMessage, linkUrl, plainText, type AlertDraft } from '../draft';
import { FieldReader } from '../paths';
import { notifiesFor, severityColor } from '../severity';
import type { CompiledTemplate } from '../settings';
import { renderTemplate } from '../template';

/**
 * Any JSON object (or list), shown through the source's templates: what Sumo Logic's webhook
 * connections and Splunk On-Call's outgoing webhooks send with a payload of the admin's making
 * (docs/alerts.md §1.1, §2.2). Form bodies are read as flat objects, a value that is itself a JSON string
 * literal ("\"CRITICAL\"", as Splunk On-Call's escalation webhooks send them, §2.3) as that string.
 */
export function jsonDrafts(body: IntakeBody, template: CompiledTemplate, sourceName: string): AlertDraft[] {
  const payload = body.type === 'form' ? unquoteForm(body.value) : jsonOf(body);
  if (payload === null || typeof payload !== 'object') throw new AddonError(400, 'invalid_alert', 'The body must be a JSON object (or list), not a single value.');
  const fields = new FieldReader(payload);
  const rendered = renderTemplate(template.message, fields, template.format).trim();
  const message = rendered === '' ? `Alert from ${sourceName} (its message template gave no text for this alert)` : rendered;
  const summary = template.format === 'html' ? plainText(message) : message;
  const severity = template.severity ? renderTemplate(template.severity, fields, 'text') : '';
  const color = severityColor(severity) ?? template.color;
  return [
    {
      fields,
      notice: {
        text: fitMessage(message, template.format),
        format: template.format,
        color,
        notify: notifiesFor(color),
        ...(template.card ? { card: card(template.card, fields, summary, message, template.format) } : {}),
      },
      summary,
      payload,
    },
  ];
}

function card(spec: NonNullable<CompiledTemplate['card']>, fields: FieldReader, summary: string, message: string, format: 'text' | 'html'): NoticeCard {
  const url = spec.link ? linkUrl(renderTemplate(spec.link, fields, 'text')) : undefined;
  return {
    id: '',
    // An html title is rendered escaped and then unmarked, so a value's own angle brackets survive.
    title: (format === 'html' ? plainText(renderTemplate(spec.title, fields, 'html')) : renderTemplate(spec.title, fields, 'text')).trim() || summary,
    description: message,
    ...(format === 'html' ? { descriptionFormat: 'html' as const } : {}),
    ...(url ? { url } : {}),
    attributes: spec.fields.map((field) => ({ label: field.label, value: renderTemplate(field.value, fields, 'text') })).filter((a) => a.value.trim() !== ''),
  };
}

function unquoteForm(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(form).map(([name, value]) => {
      if (!/^".*"$/s.test(value)) return [name, value];
      try {
        const inner: unknown = JSON.parse(value);
        return [name, typeof inner === 'string' ? inner : value];
      } catch {
        return [name, value];
      }
    }),
  );
}

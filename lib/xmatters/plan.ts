import { strToU8, zipSync } from 'fflate';

// The communication plan an admin downloads from the configure tab and imports into xMatters
// (Developer tab > Import Plan, seed 002). It has the layout of xMatters' own plan exports
// (xmatters/xm-labs-jira-chat JIRAServer.zip, docs/xmatters.md "Plan file"):
//   engine.json, properties/properties.json, forms/InvitetoRoom/<id>.json, integrations/integrations.json
// - form "Invite to Room" with the properties the invite trigger sends; only invite_id is included
//   in outbound integrations (E11), so webhooks carry nothing else about the room or the invite;
// - responses Accept (record the response: the responder may change it, E17; positive, so a group
//   escalates no further) and Decline (stop notifying that user, as xMatters' own chat plan does
//   for "Ignore", E16; negative, so the group goes on escalating);
// - inbound integration "Invite to room", whose script builds the event from the add-on's body
//   (recipients as {id, recipientType}, E8);
// - outbound "Send a webhook" integrations for responses, event status, device delivery and event
//   comments, to the endpoint "HipChat add-on": the callback URL with Basic authentication as the
//   callback user. Exports carry no passwords: the admin sets it after the import.

export interface PlanProperty {
  name: string;
  maxLength: number;
  includeInCallbacks: boolean;
  description: string;
}

/** The form's properties, as the add-on's invite trigger fills them. */
export const PLAN_PROPERTIES: readonly PlanProperty[] = [
  { name: 'invite_id', maxLength: 100, includeInCallbacks: true, description: 'The add-on’s invite id; outbound integrations send it back' },
  { name: 'room_id', maxLength: 20, includeInCallbacks: false, description: 'HipChat room id' },
  { name: 'room_name', maxLength: 200, includeInCallbacks: false, description: 'HipChat room name' },
  { name: 'room_link', maxLength: 2000, includeInCallbacks: false, description: 'Link to the room' },
  { name: 'description', maxLength: 2000, includeInCallbacks: false, description: 'What the inviter wrote' },
  { name: 'inviter_name', maxLength: 200, includeInCallbacks: false, description: 'Who invited' },
  { name: 'inviter_mention', maxLength: 100, includeInCallbacks: false, description: 'The inviter’s @mention name' },
];

export const PLAN_FORM_NAME = 'Invite to Room';
export const PLAN_INBOUND_NAME = 'Invite to room';
export const PLAN_ENDPOINT_NAME = 'HipChat add-on';
export const PLAN_RESPONSES = [
  { text: 'Accept', description: 'Join the room', action: 'RECORD_RESPONSE', contribution: 'POSITIVE' },
  { text: 'Decline', description: 'I cannot join', action: 'STOP_NOTIFYING_USER', contribution: 'NEGATIVE' },
] as const;
/** The outbound integrations: trigger kind (`triggeredBy` as xMatters exports it) and name. */
export const PLAN_OUTBOUND = [
  { triggeredBy: 'RESPONSE', name: 'Invite to room - Responses' },
  { triggeredBy: 'STATUS', name: 'Invite to room - Event Status' },
  { triggeredBy: 'DELIVERYSTATUS', name: 'Invite to room - Delivery Updates' },
  { triggeredBy: 'ANNOTATION', name: 'Invite to room - Comments' },
  // The escalation step the room panel shows for each group (E12, E24).
  { triggeredBy: 'ESCALATION', name: 'Invite to room - Escalations' },
] as const;

export interface PlanOptions {
  /** Where the outbound integrations send: this installation's callback URL. */
  callbackUrl: string;
  /** The Basic authentication username of the callback; the password is set by the admin. */
  callbackUsername: string;
  /** Default "HipChat Invite to Room". */
  planName?: string;
}

const FORM_UUID = '6f1d2c9a-3b7e-4d50-9a8c-2e4b7f1c0d35';
const INBOUND_UUID = 'b2c7e4a1-5d3f-4e8b-a6c9-7f0d1e2a3b4c';
const OUTBOUND_UUIDS = ['c3d8f5b2-6e4a-4f9c-b7d0-8a1e2f3b4c51', 'c3d8f5b2-6e4a-4f9c-b7d0-8a1e2f3b4c52', 'c3d8f5b2-6e4a-4f9c-b7d0-8a1e2f3b4c53', 'c3d8f5b2-6e4a-4f9c-b7d0-8a1e2f3b4c54'];
/** Fixed, so that the same options always give the same bytes. */
const ZIP_TIME = new Date('2024-01-01T00:00:00Z');

/** The plan as a zip, ready to import. Throws when an option is not usable. */
export function buildCommunicationPlan(options: PlanOptions): Buffer {
  const { callbackUrl, callbackUsername } = options;
  const planName = (options.planName ?? 'HipChat Invite to Room').trim();
  if (!URL.canParse(callbackUrl) || !/^https?:$/.test(new URL(callbackUrl).protocol)) {
    throw new Error(`The callback URL must be an http or https URL, not "${callbackUrl}".`);
  }
  if (!/^[^\s:]{1,100}$/.test(callbackUsername)) throw new Error('The callback username must be 1 to 100 characters without spaces or colons.');
  if (planName === '' || planName.length > 100) throw new Error('The plan name must be 1 to 100 characters.');

  const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);
  return Buffer.from(
    zipSync(
      {
        'engine.json': json({ version: '1.9', name: planName, description: 'Invite xMatters users and groups into a HipChat room', isActive: true, order: 0 }),
        'properties/properties.json': json(PLAN_PROPERTIES.map(propertyDefinition)),
        'forms/InvitetoRoom/100001.json': json(form()),
        'integrations/integrations.json': json(integrations(callbackUrl, callbackUsername)),
      },
      { mtime: ZIP_TIME },
    ),
  );
}

function propertyDefinition(p: PlanProperty) {
  return { baseType: 3, name: p.name, defaultValue: '', description: p.description, helpText: '', isSystem: false, minLength: 0, maxLength: p.maxLength, validationRegex: '', isValidate: false };
}

const itemId = (i: number) => `7a0e3f2b-1c4d-4e5f-8a9b-${String(i + 1).padStart(12, '0')}`;

function form() {
  const token = (name: string) => `\${${itemId(PLAN_PROPERTIES.findIndex((p) => p.name === name))}}`;
  return {
    name: PLAN_FORM_NAME,
    description: 'Sent by the HipChat add-on when someone invites on-call responders into a room',
    isActive: true,
    isREST: true,
    isSendREST: false,
    isMobileEnabled: true,
    isEmailEnabled: true,
    order: 0,
    enableFillCount: false,
    generalFillCount: 0,
    uuid: FORM_UUID,
    layoutSections: [
      { sectionType: 2, isVisible: true, isCollapsed: false, order: 0, sectionItems: [] },
      {
        sectionType: 1,
        isVisible: true,
        isCollapsed: false,
        order: 1,
        sectionItems: PLAN_PROPERTIES.map((p, i) => ({
          id: itemId(i),
          order: i,
          textIsMultiLine: p.name === 'description',
          isRequired: p.name === 'invite_id',
          isVisible: true,
          isIncludeInCallbacks: p.includeInCallbacks,
          propertyName: p.name,
        })),
      },
    ],
    messages: {
      emailTemplates: [
        {
          emailSubject: `${token('inviter_name')} invites you to the HipChat room ${token('room_name')}`,
          email: `<p>${token('inviter_name')} invites you to the HipChat room <a href="${token('room_link')}">${token('room_name')}</a>:</p><p>${token('description')}</p>`,
          languageCode: 'en',
        },
      ],
      smsTemplates: [{ sms: `HipChat: ${token('inviter_name')} invites you to ${token('room_name')}: ${token('description')}`, languageCode: 'en' }],
      internationalVoiceScriptSteps: [],
    },
    responses: PLAN_RESPONSES.map((r, i) => ({
      textResponse: r.text,
      description: r.description,
      voicePrompt: r.text,
      digit: i + 1,
      contribution: r.contribution,
      action: r.action,
      isJoinConference: false,
      textResponseLanguageCode: 'en',
      descriptionLanguageCode: 'en',
      voicePromptLanguageCode: 'en',
      recordingPhrase: '',
      order: i,
      translations: [{ languageCode: 'en', textResponse: r.text, description: r.description, voicePrompt: r.text }],
    })),
  };
}

/** The inbound transformation script (ECMAScript 5, as the Integration Builder runs it). */
function inboundScript(): string {
  return `// Builds the event from the HipChat add-on's request: the form's properties and the recipients.
var PROPERTIES = ${JSON.stringify(PLAN_PROPERTIES.map((p) => p.name))};
var data = JSON.parse(request.body);
var given = data.properties || {};

trigger.properties = {};
for (var i = 0; i < PROPERTIES.length; i++) {
  var value = given[PROPERTIES[i]];
  if (value !== undefined && value !== null) trigger.properties[PROPERTIES[i]] = String(value);
}

// Recipients as {id, recipientType}; "targetName" is read too, for older add-on versions.
trigger.recipients = [];
var recipients = data.recipients || [];
for (var j = 0; j < recipients.length; j++) {
  var id = recipients[j].id || recipients[j].targetName;
  if (!id) continue;
  trigger.recipients.push(recipients[j].recipientType ? { id: id, recipientType: recipients[j].recipientType } : { id: id });
}
if (data.priority) trigger.priority = data.priority;

console.log('Invite ' + trigger.properties.invite_id + ' to ' + trigger.recipients.length + ' recipient(s)');
form.post(trigger);
`;
}

function integrations(callbackUrl: string, callbackUsername: string) {
  return {
    integrations: [
      {
        id: INBOUND_UUID,
        name: PLAN_INBOUND_NAME,
        action: 'CREATE_EVENT',
        type: 'INBOUND_WEBHOOK',
        deployed: true,
        form: FORM_UUID,
        script: inboundScript(),
        environment: 'HOSTED',
        authType: 'NONE',
        createdBy: 'IB',
      },
      ...PLAN_OUTBOUND.map((o, i) => ({
        id: OUTBOUND_UUIDS[i],
        name: o.name,
        action: 'SEND_WEBHOOK',
        type: 'OUTBOUND_WEBHOOK',
        triggeredBy: o.triggeredBy,
        deployed: true,
        form: FORM_UUID,
        endpoint: PLAN_ENDPOINT_NAME,
        environment: 'HOSTED',
        createdBy: 'IB',
      })),
    ],
    endpoints: [{ name: PLAN_ENDPOINT_NAME, baseUrl: callbackUrl, type: 'EXTERNAL', authentication: 'BASIC', username: callbackUsername }],
    constants: [],
  };
}

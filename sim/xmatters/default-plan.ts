import { ActivityStream } from './activity';
import { TRIGGER_KINDS, TRIGGER_KIND_LABELS, type FormProperty, type SimPlan } from './plan-model';

// The plan that is already there when the simulator starts, as if an admin had built it: an
// "Invite to Room" form with the properties the add-on sends (only invite_id flagged for webhooks,
// E11), an inbound integration with a fixed id and key, and an outbound "Send a webhook" per trigger
// kind to one endpoint whose URL and credentials `setOutboundUrl` sets.

export const DEFAULT_FUNCTION = { id: '8a1f0c3e-5b7d-4e2a-9c61-2f4d8e0b7a53', apiKey: 'c2ltLWludml0ZS10by1yb29t' };
export const DEFAULT_FORM_ID = '3c5e2d1a-7f4b-4c9e-8a2d-6b1f0e9c4a77';
export const DEFAULT_ENDPOINT = 'HipChat add-on';

const text = (name: string, maxLength: number, includeInCallbacks = false): FormProperty => ({ name, kind: 'TEXT', maxLength, required: false, includeInCallbacks });

export function defaultPlan(integrationUser: string, admin: string): SimPlan {
  return {
    id: '0d7c9b4e-2a61-4f3e-b8c5-91e4a6d2f370',
    name: 'HipChat',
    description: 'Invite xMatters users and groups into a HipChat room',
    createdBy: admin,
    createdAt: new Date().toISOString(),
    access: new Set([integrationUser, admin]),
    forms: [
      {
        id: DEFAULT_FORM_ID,
        name: 'Invite to Room',
        description: 'Sent by the HipChat add-on when someone invites on-call responders into a room',
        properties: [
          text('invite_id', 100, true),
          text('room_id', 20),
          text('room_name', 200),
          text('room_link', 2000),
          text('description', 2000),
          text('inviter_name', 200),
          text('inviter_mention', 100),
        ],
        responses: [
          { text: 'Accept', description: 'Join the room', action: 'RECORD_RESPONSE', contribution: 'POSITIVE', joinConference: false },
          { text: 'Decline', description: 'Cannot join', action: 'STOP_NOTIFYING_USER', contribution: 'NEGATIVE', joinConference: false },
        ],
        senders: new Set([integrationUser, admin]),
        expirationInMinutes: 180,
      },
    ],
    inbound: [
      {
        id: DEFAULT_FUNCTION.id,
        name: 'Invite to room',
        formId: DEFAULT_FORM_ID,
        authType: 'ALL',
        apiKey: DEFAULT_FUNCTION.apiKey,
        authenticatingUser: integrationUser,
        script: null,
        activity: new ActivityStream(),
      },
    ],
    outbound: TRIGGER_KINDS.map((kind, i) => ({
      id: `5e0b7a1c-3d2f-4a6e-9c8b-00000000000${i + 1}`,
      name: `Invite to room - ${TRIGGER_KIND_LABELS[kind]}`,
      formId: DEFAULT_FORM_ID,
      triggeredBy: kind,
      responseChoice: null,
      action: 'SEND_WEBHOOK' as const,
      endpointName: DEFAULT_ENDPOINT,
      path: '',
      activity: new ActivityStream(),
    })),
    endpoints: [{ name: DEFAULT_ENDPOINT, baseUrl: '', authentication: 'NO_AUTH', username: null, password: null, apiKey: null }],
    constants: [],
    recentTriggers: [],
  };
}

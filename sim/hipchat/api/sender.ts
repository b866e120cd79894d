import type { RoomIntegrations } from '../room-integrations';
import type { Sender } from '../state';
import type { Principal } from '../tokens';

/** Who a notification posted with this token is from (user tokens post as their user: DAC `about-the-hipchat-rest-api`). */
export function senderOf(principal: Principal, integrations: RoomIntegrations): Sender {
  switch (principal.kind) {
    case 'addon':
      return { type: 'addon', oauthId: principal.oauthId };
    case 'integration':
      return { type: 'integration', integrationId: principal.integrationId, name: integrations.get(principal.integrationId)?.name ?? 'Integration' };
    case 'user':
    case 'personal':
      return { type: 'user', userId: principal.userId };
  }
}

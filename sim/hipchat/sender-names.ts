import type { Installer } from './installations';
import type { Sender, World } from './state';

/** The name a notification shows as its sender: the add-on's `fromName` (else its name), the integration's name, or the user's. */
export function senderName(sender: Sender, world: World, installer: Installer): string {
  switch (sender.type) {
    case 'addon': {
      const descriptor = installer.installations.get(sender.oauthId)?.descriptor;
      return descriptor?.capabilities?.hipchatApiConsumer?.fromName ?? descriptor?.name ?? 'Integration';
    }
    case 'integration':
      return sender.name;
    case 'user':
      return world.users.get(sender.userId)?.name ?? 'Former user';
  }
}

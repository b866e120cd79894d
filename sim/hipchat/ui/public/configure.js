// An integration's configure tab: the add-on's page in an iframe, with the JavaScript API answered.
import { FrameHost } from './bridge.js';

const section = document.getElementById('configure');
const frame = document.getElementById('configure-frame');
if (section && frame) {
  const roomId = section.dataset.roomId === undefined ? undefined : Number(section.dataset.roomId);
  new FrameHost(frame, { oauthId: section.dataset.oauthId, roomId });
}

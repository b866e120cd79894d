// The room page: live timeline, the "+" menu, add-on dialogs, and the sidebar's glances.
import { followRoom } from './feed.js';
import { initGlances } from './glances.js';
import { initPlusMenu } from './plus.js';

const room = document.getElementById('room');
if (room) {
  followRoom(room);
  initPlusMenu(Number(room.dataset.roomId));
  initGlances(Number(room.dataset.roomId));
}

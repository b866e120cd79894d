// The room page: live timeline, the "+" menu and add-on dialogs.
import { followRoom } from './feed.js';
import { initPlusMenu } from './plus.js';

const room = document.getElementById('room');
if (room) {
  followRoom(room);
  initPlusMenu(Number(room.dataset.roomId));
}

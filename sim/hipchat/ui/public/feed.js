// Keeps the room view current: polls the room's feed about once a second and adds what is new.
import { applyGlanceUpdates } from './glances.js';

const POLL_MS = 1000;
const MAX_POLLS = 4 * 60 * 60; // about four hours per page load
const MAX_FAILURES = 30;

export function followRoom(room) {
  const roomId = room.dataset.roomId;
  const timeline = document.getElementById('timeline');
  const topic = document.getElementById('room-topic');
  const participants = document.getElementById('participants');
  const archived = room.dataset.archived === 'true';
  let version = room.dataset.feedVersion;
  let polls = 0;
  let failures = 0;

  timeline.scrollTop = timeline.scrollHeight;

  const stop = (text) => {
    const note = document.createElement('div');
    note.className = 'notice notice-info';
    note.setAttribute('role', 'status');
    note.textContent = text;
    room.insertBefore(note, timeline);
  };

  const apply = (feed) => {
    if (feed.archived !== archived) {
      location.reload();
      return;
    }
    const nearBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 80;
    const placeholder = timeline.querySelector('.timeline-empty');
    const known = new Set([...timeline.querySelectorAll('[data-id]')].map((node) => node.dataset.id));
    for (const item of feed.items) {
      if (known.has(item.id)) continue;
      placeholder.insertAdjacentHTML('beforebegin', item.html);
    }
    placeholder.hidden = feed.items.length > 0;
    topic.innerHTML = feed.topic;
    if (participants) participants.innerHTML = feed.participants;
    applyGlanceUpdates(feed.glances);
    if (nearBottom) timeline.scrollTop = timeline.scrollHeight;
  };

  const poll = async () => {
    polls += 1;
    if (polls > MAX_POLLS) return stop('Live updates paused. Reload the page to see new messages.');
    try {
      const res = await fetch(`/chat/room/${roomId}/feed?version=${encodeURIComponent(version)}`, { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (res.status === 404 || res.status === 403) return stop('This room is no longer available to you.');
      if (res.status === 200) {
        const feed = await res.json();
        version = feed.version;
        apply(feed);
      } else if (res.status !== 204) {
        throw new Error(`HTTP ${res.status}`);
      }
      failures = 0;
    } catch {
      failures += 1;
      if (failures >= MAX_FAILURES) return stop('Lost the connection to HipChat. Reload the page to try again.');
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}

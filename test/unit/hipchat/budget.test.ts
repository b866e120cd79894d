import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyCall, HIPCHAT_LIMITS } from '../../../lib/hipchat/budget';

test('a notification or message to a room is a notification for flood control; other calls are not', () => {
  assert.deepEqual(classifyCall('POST', 'room/100/notification'), { roomId: 100, notification: true });
  assert.deepEqual(classifyCall('post', '/room/7/message'), { roomId: 7, notification: true });
  assert.deepEqual(classifyCall('GET', 'room/100'), { roomId: 100, notification: false });
  assert.deepEqual(classifyCall('GET', 'room/100/member'), { roomId: 100, notification: false });
  assert.deepEqual(classifyCall('POST', 'room/100/invite/2'), { roomId: 100, notification: false });
  assert.deepEqual(classifyCall('GET', 'user/%40bsmith'), { roomId: null, notification: false });
});

test('a room named instead of numbered counts for the installation, with no room', () => {
  assert.deepEqual(classifyCall('POST', 'room/Ops%20War%20Room/notification'), { roomId: null, notification: true });
});

test('the budget keeps a margin below HipChat’s 500 calls per 5 minutes and holds its flood control of 30 a minute', () => {
  assert.ok(HIPCHAT_LIMITS.perInstallation.max < 500);
  assert.equal(HIPCHAT_LIMITS.perInstallation.windowMs, 5 * 60_000);
  assert.deepEqual(HIPCHAT_LIMITS.perRoomNotifications, { max: 30, windowMs: 60_000 });
});

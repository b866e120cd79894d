import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../../lib/invites/command';

describe('parseCommand', () => {
  it('reads invite with a plain or a quoted name', () => {
    assert.deepEqual(parseCommand('/oncall invite bsmith The DB is down'), { kind: 'invite', name: 'bsmith', description: 'The DB is down' });
    assert.deepEqual(parseCommand('/oncall invite "Database Admins" Disk full'), { kind: 'invite', name: 'Database Admins', description: 'Disk full' });
    assert.deepEqual(parseCommand("/oncall invite 'Database Admins' Disk full"), { kind: 'invite', name: 'Database Admins', description: 'Disk full' });
  });

  it('status, help, and help for anything else; nothing for other messages', () => {
    assert.deepEqual(parseCommand('/oncall status'), { kind: 'status' });
    assert.deepEqual(parseCommand('/oncall'), { kind: 'help' });
    assert.deepEqual(parseCommand('/oncall frobnicate'), { kind: 'help' });
    assert.equal(parseCommand('/oncallx status'), undefined);
    assert.equal(parseCommand('hello /oncall'), undefined);
  });

  it('refuses, with a reply, what the dialog would refuse', () => {
    const refused = (text: string) => {
      const c = parseCommand(text);
      assert.equal(c?.kind, 'refused', text);
      return c.kind === 'refused' ? c.reply.text : '';
    };
    assert.match(refused('/oncall invite bsmith'), /Say who to invite and why/);
    assert.match(refused('/oncall invite b Please come'), /at least 2 characters/);
    assert.match(refused(`/oncall invite bsmith ${'d'.repeat(2001)}`), /at most 2000/);
    assert.match(refused('/oncall invite \ud800bob Please come'), /broken or control character/);
    assert.match(refused(`/oncall invite ${'n'.repeat(101)} Please come`), /at most 100 characters/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Candidate, rankRecipients } from '../../../lib/xmatters/rank';

function person(targetName: string, first: string, last: string): Candidate {
  const displayName = `${first} ${last}`.trim();
  return { recipient: { id: targetName, targetName, displayName, type: 'PERSON', status: 'ACTIVE' }, names: [displayName, first, last, targetName] };
}

function group(name: string): Candidate {
  return { recipient: { id: name, targetName: name, displayName: name, type: 'GROUP', status: 'ACTIVE' }, names: [name] };
}

describe('rankRecipients', () => {
  it('puts exact matches first, then prefix matches, then the rest, each alphabetically', () => {
    const ranked = rankRecipients('database', [
      group('Web Database'),
      group('Database Admins'),
      person('dbuser', 'Dana', 'Base'),
      group('APAC Database'),
      group('Database'),
    ]);
    assert.deepEqual(
      ranked.map((r) => r.targetName),
      ['Database', 'Database Admins', 'APAC Database', 'dbuser', 'Web Database'],
    );
  });

  it("matches a person's full name, first name, last name and targetName", () => {
    const ranked = rankRecipients('Smith', [person('asmith', 'Alice', 'Smithers'), person('zed', 'Zed', 'Smith'), person('bob', 'Bob', 'Jones')]);
    assert.deepEqual(ranked.map((r) => r.targetName), ['zed', 'asmith', 'bob']);
    assert.deepEqual(rankRecipients('bob jones', [person('zz', 'Al', 'Bobjones'), person('bob', 'Bob', 'Jones')]).map((r) => r.targetName), ['bob', 'zz']);
  });

  it('is case-insensitive and breaks ties by display name, then type', () => {
    const ranked = rankRecipients('NETWORK', [group('Network'), person('network', 'Net', 'Work'), person('Network', 'Network', '')]);
    assert.deepEqual(ranked.map((r) => `${r.type}:${r.displayName}`), ['PERSON:Net Work', 'GROUP:Network', 'PERSON:Network']);
  });
});

export interface Recipient {
  id: string;
  targetName: string;
  displayName: string;
  type: 'PERSON' | 'GROUP';
  status: string;
}

export interface Candidate {
  recipient: Recipient;
  /** The names a typed query is compared with: a person's full, first and last name and targetName; a group's name. */
  names: string[];
}

/** Exact matches first, then prefix matches, then the rest; alphabetical within each. */
export function rankRecipients(query: string, candidates: Candidate[]): Recipient[] {
  const q = query.trim().toLowerCase();
  const tier = (candidate: Candidate): number => {
    const names = candidate.names.map((name) => name.toLowerCase());
    if (names.includes(q)) return 0;
    if (names.some((name) => name.startsWith(q))) return 1;
    return 2;
  };
  return candidates
    .map((candidate) => ({ recipient: candidate.recipient, tier: tier(candidate) }))
    .sort(
      (a, b) =>
        a.tier - b.tier ||
        collator.compare(a.recipient.displayName, b.recipient.displayName) ||
        collator.compare(a.recipient.targetName, b.recipient.targetName) ||
        a.recipient.type.localeCompare(b.recipient.type),
    )
    .map((ranked) => ranked.recipient);
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/**
 * What a responder's answer means. People answer with their plan's own words — Accept/Decline, the
 * Acknowledge/Ignore of xMatters' own chat plans, Join, "On my way"/"Can't make it" (E16) — so answers
 * are read by meaning, not by exact text: an answer means yes when it is, or starts with, one of the
 * accept phrases (case, spacing, apostrophes and final punctuation aside), no for a decline phrase, and
 * anything else is told as it was given. An admin can replace either list on the configure tab.
 */
export type AnswerMeaning = 'accept' | 'decline' | 'other';

export interface AnswerMapping {
  accept: string[];
  decline: string[];
}

export const DEFAULT_ANSWERS: AnswerMapping = {
  accept: ['Accept', 'Accepted', 'Acknowledge', 'Acknowledged', 'Ack', 'Join', 'Joining', 'On my way', 'Coming', 'Yes'],
  decline: ['Decline', 'Declined', 'Ignore', "Can't make it", 'Cannot make it', 'Unavailable', 'Reject', 'No'],
};

/** Limits on an admin's lists. */
export const MAX_ANSWERS = 50;
export const MAX_ANSWER_LENGTH = 100;

export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?]+$/, '')
    .trim();
}

function matches(answer: string, phrase: string): boolean {
  const p = normalizeAnswer(phrase);
  if (p === '') return false;
  // "Acknowledge - on my way" starts with "acknowledge"; "Nope" does not start with the word "no".
  return answer === p || (answer.startsWith(p) && !/[\p{L}\p{N}']/u.test(answer.charAt(p.length)));
}

export function answerMeaning(text: string, mapping: AnswerMapping = DEFAULT_ANSWERS): AnswerMeaning {
  const answer = normalizeAnswer(text);
  // The longer phrase wins, so "Not joining" could be listed as a decline beside "Joining".
  const best = (phrases: string[]) => Math.max(-1, ...phrases.filter((p) => matches(answer, p)).map((p) => normalizeAnswer(p).length));
  const yes = best(mapping.accept);
  const no = best(mapping.decline);
  if (yes < 0 && no < 0) return 'other';
  return yes >= no ? 'accept' : 'decline';
}

/** A phrase list as an admin typed it: one per line, trimmed, blank lines and repeats dropped. */
export function answerList(text: string): string[] {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const phrase = line.trim();
    if (phrase === '' || seen.has(normalizeAnswer(phrase))) continue;
    seen.add(normalizeAnswer(phrase));
    list.push(phrase);
  }
  return list;
}

import { RE2JS } from 're2js';
import type { FieldPath, FieldReader } from './paths';

/**
 * Rules that pick an alert's room from one of its fields: equals, contains, or a regular expression,
 * all ignoring case; the first rule that matches wins, else the default room. Regular expressions run on
 * RE2 (re2js), whose matching time grows linearly with the text, so no pattern can stall the intake
 * (no backtracking: no back-references or look-arounds either), and only on the first MAX_MATCHED_TEXT
 * characters of the field.
 */
export type MatchOperator = 'equals' | 'contains' | 'matches';

export const MAX_PATTERN_LENGTH = 200;
/**
 * Splunk On-Call's limit for most alert fields (docs/alerts.md §2.2): enough for what rules route on,
 * and it bounds a body's matching work (50 Soda check results × 20 rules × this) to a fraction of a second.
 */
export const MAX_MATCHED_TEXT = 1024;

export interface Matcher {
  readonly path: FieldPath;
  test(fields: FieldReader): boolean;
}

/** Compiles one rule's test; a string is the reason a pattern is refused. */
export function compileMatcher(path: FieldPath, op: MatchOperator, value: string): Matcher | string {
  if (op === 'matches') {
    if (value.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
    let pattern: RE2JS;
    try {
      pattern = RE2JS.compile(value, RE2JS.CASE_INSENSITIVE);
    } catch (err) {
      return `is not a regular expression RE2 reads: ${(err as Error).message}`;
    }
    return { path, test: (fields) => pattern.matcher(fields.text(path).slice(0, MAX_MATCHED_TEXT)).find() };
  }
  const wanted = value.toLowerCase();
  if (op === 'equals') return { path, test: (fields) => fields.text(path).toLowerCase() === wanted };
  return { path, test: (fields) => fields.text(path).toLowerCase().includes(wanted) };
}

/** The index of the first rule whose matcher holds, or -1. */
export function firstMatch(matchers: readonly Matcher[], fields: FieldReader): number {
  return matchers.findIndex((matcher) => matcher.test(fields));
}

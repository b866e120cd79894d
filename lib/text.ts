/** A UTF-16 surrogate without its pair: JSON can carry one (`"\ud800"`), but no URL or database column can. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters other than tab, newline and carriage return. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/**
 * U+FFFD is what the body and query decoders put where the bytes were not UTF-8 (an overlong form, an
 * encoded surrogate, a stray byte), so text holding it was broken on its way in.
 */
const REPLACEMENT = /\uFFFD/;

/** Whether text can be stored, logged and put in a URL as it is. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value) && !CONTROL.test(value) && !REPLACEMENT.test(value);
}

export const BROKEN_TEXT = 'contains a broken or control character; type it again';

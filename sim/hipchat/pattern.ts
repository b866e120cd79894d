/**
 * A webhook `pattern` as HipChat applied it: a PCRE/Java-style regex (docs §1), case-sensitive
 * unless it starts with inline flags such as `(?i)`, searched for anywhere in the message.
 * JavaScript has no inline flags or `\x{…}` escapes (the forms ac-node-hipchat writes), so both are
 * translated; anything else JavaScript cannot compile is refused at install time.
 */
export function compilePattern(pattern: string): RegExp {
  const inline = /^\(\?([imsx]+)\)/.exec(pattern);
  let flags = '';
  let source = pattern;
  if (inline) {
    const given = inline[1] ?? '';
    if (given.includes('x')) throw new SyntaxError('the (?x) flag is not supported');
    flags = [...new Set(given)].join('');
    source = pattern.slice(inline[0].length);
  }
  source = source.replace(/\\x\{([0-9a-fA-F]{1,6})\}/g, (_, hex: string) =>
    String.fromCodePoint(parseInt(hex, 16))
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );
  return new RegExp(source, flags);
}

import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';

/** Malformed request bodies and field values, generated from a valid body so every other field stays valid. */

const TEN_MB = 10 * 1024 * 1024;
export const JSON_TYPE = { 'Content-Type': 'application/json' } as const;

export interface BodyVariant {
  name: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  chunked?: boolean;
  /** The statuses a refusal of this body may have. */
  status: number[];
}

/** A JSON object of about `bytes` bytes. */
const bigJson = (bytes: number) => `{"padding":"${'x'.repeat(Math.max(0, bytes - 14))}"}`;

/** 10 MB of JSON, and as small gzip, deflate and brotli bodies that inflate to it: made once, they take a while. */
let tenMb: { json: string; gzip: Buffer; deflate: Buffer; br: Buffer } | undefined;
function bombs() {
  if (!tenMb) {
    const json = bigJson(TEN_MB);
    tenMb = { json, gzip: gzipSync(json), deflate: deflateSync(json), br: brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }) };
  }
  return tenMb;
}
export const tenMbJson = () => bombs().json;

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Bodies that are not a JSON object of the right size, shape, type and encoding, for an endpoint reading at most `limitBytes`. */
export function bodyVariants(limitBytes: number, valid: unknown): BodyVariant[] {
  const validText = JSON.stringify(valid);
  const json = (name: string, body: string | Buffer, status = [400]): BodyVariant => ({ name, headers: { ...JSON_TYPE }, body, status });
  const typed = (type: string, status = [400], body: string | Buffer = validText): BodyVariant => ({ name: `Content-Type ${type}`, headers: { 'Content-Type': type }, body, status });
  const encoded = (name: string, encoding: string, body: string | Buffer, status: number[]): BodyVariant => ({
    name,
    headers: { ...JSON_TYPE, 'Content-Encoding': encoding },
    body,
    status,
  });
  // Two bytes a level: the deepest nesting that still fits the endpoint's limit.
  const fittingDepth = Math.floor((limitBytes - 64) / 2);
  const fittingObjectDepth = Math.floor((limitBytes - 64) / 6);
  const ten = bombs();
  return [
    ...(
      [
        ['unclosed object', '{'],
        ['truncated', validText.slice(0, -3)],
        ['trailing comma', '{"a":1,}'],
        ['single quotes', "{'a':1}"],
        ['NaN', '{"a":NaN}'],
        ['undefined', '{"a":undefined}'],
        ['leading zero', '{"a":01}'],
        ['a comment', '/* c */ {}'],
        ['a bare word', 'nul'],
        ['missing colon', '{"a" 1}'],
        ['garbage after the object', `${validText}garbage`],
        ['two objects', `${validText}${validText}`],
        ['\\x escape', '{"a":"\\x41"}'],
        ['bad \\u escape', '{"a":"\\uZZZZ"}'],
        ['raw control character inside a string', '{"a":"b\u0001c"}'],
        ['a NUL byte', '\u0000'],
        ['unclosed array', '[1,2'],
      ] as const
    ).map(([name, text]) => json(`invalid JSON: ${name}`, text)),
    ...['null', 'true', '1', '-1e400', '"text"', '[]', '[{}]', `[${validText}]`, '{}', ''].map((text) => json(`JSON ${text || '(empty body)'}`, text)),
    { name: 'no Content-Type', headers: {}, body: validText, status: [400] },
    typed('text/plain'),
    typed('application/x-www-form-urlencoded', [400], 'a=1&b[]=2&__proto__[x]=1'),
    typed('multipart/form-data; boundary=x', [400], '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'),
    typed('application/xml', [400], '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'),
    typed('application/vnd.api+json'),
    typed('application/json; charset=latin1', [415]),
    typed('application/json; charset=nonsense-1', [415]),
    typed('application/json; charset=utf-16le'),
    typed('application/json, text/plain'),
    { name: 'two Content-Type headers, text first', headers: { 'Content-Type': ['text/plain', 'application/json'] }, body: validText, status: [400] },
    json('10 MB body', ten.json, [413]),
    { name: '10 MB body, chunked without a length', headers: { ...JSON_TYPE }, body: ten.json, chunked: true, status: [413] },
    json('one byte over the limit', bigJson(limitBytes + 1), [413]),
    json('100,000 nested arrays', nestedArrays(100_000), [413]),
    json('100,000 nested objects', nestedObjects(100_000), [413]),
    json(`${fittingDepth.toLocaleString('en-US')} nested arrays (as deep as the limit allows)`, nestedArrays(fittingDepth)),
    json(`${fittingObjectDepth.toLocaleString('en-US')} nested objects (as deep as the limit allows)`, nestedObjects(fittingObjectDepth)),
    encoded('Content-Encoding gzip, not gzip', 'gzip', 'not gzip at all', [400]),
    encoded('Content-Encoding deflate, not deflate', 'deflate', 'not deflate at all', [400]),
    encoded('Content-Encoding br, not brotli', 'br', Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x01]), [400]),
    encoded('an unknown Content-Encoding', 'compress', validText, [415]),
    encoded('gzip of a body that is not JSON', 'gzip', gzipSync('{nope'), [400]),
    encoded('a gzip bomb (10 MB once inflated)', 'gzip', ten.gzip, [413]),
    encoded('a deflate bomb (10 MB once inflated)', 'deflate', ten.deflate, [413]),
    encoded('a brotli bomb (10 MB once inflated)', 'br', ten.br, [413]),
  ];
}

/** Bytes written into the JSON text as they are (invalid UTF-8 no encoder would produce). */
export class RawBytes {
  constructor(readonly bytes: Buffer) {}
}
/** A JSON literal written as it is, e.g. `1e400` (which JSON.stringify cannot write). */
export class RawJson {
  constructor(readonly text: string) {}
}
/** Removes the field. */
export const MISSING = Symbol('missing');

export type Path = Array<string | number>;

export interface Field {
  path: Path;
  kind: 'text' | 'number' | 'boolean' | 'list' | 'object';
  /** Absent is valid. */
  optional?: boolean;
  /** null is valid. */
  nullable?: boolean;
  /** Empty or blank text is valid. */
  blankOk?: boolean;
  /** The longest valid text (or list). */
  max?: number;
  /** Control characters and lone surrogates are ignored rather than refused (a name shown as it is). */
  anyText?: boolean;
  /** Values of another type this field takes (e.g. digits for an id). */
  alsoTakes?: Array<'numeric text' | 'number' | 'zero'>;
  /** Text over its length is cut rather than refused. */
  cutsLong?: boolean;
}

/** Wrong types, missing, empty, control characters, lone surrogates, broken UTF-8 and overlong values for one field. */
export function fieldVariants(field: Field, roomForText: number): Array<{ name: string; value: unknown }> {
  const v = (name: string, value: unknown) => ({ name, value });
  const wrongTypes = [
    ...(field.nullable ? [] : [v('null', null)]),
    v('true', true),
    v('an empty list', []),
    v('a list', ['x']),
    v('an object', {}),
    v('a query operator object', { $ne: null }),
    v('a __proto__ object', JSON.parse('{"__proto__":{"polluted":true}}')),
    v('1,000 nested lists', JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`)),
  ];
  const out = field.optional ? [] : [v('missing', MISSING)];
  switch (field.kind) {
    case 'text': {
      out.push(...wrongTypes);
      if (!field.alsoTakes?.includes('number')) out.push(v('0', 0), v('12.5', 12.5), v('1e400', new RawJson('1e400')));
      if (!field.blankOk) out.push(v('empty', ''), v('blank', ' \t\n '));
      if (!field.anyText) {
        out.push(
          v('a NUL', 'ab\u0000cd'),
          v('a bell', 'ab\u0007cd'),
          v('an ANSI escape', '\u001b[2J\u001b[31mred'),
          v('a DEL', 'abcd\u007f'),
          v('a backspace', 'abcd\u0008\u0008'),
          v('a lone high surrogate', 'ab\ud800cd'),
          v('a lone low surrogate', '\udfffabcd'),
          v('surrogates in the wrong order', 'ab\udc00\ud800'),
        );
      }
      if (field.cutsLong) break;
      if (field.max !== undefined) out.push(v(`${field.max + 1} characters`, 'x'.repeat(field.max + 1)));
      if ((field.max ?? Infinity) < roomForText) out.push(v(`${roomForText.toLocaleString('en-US')} characters`, 'x'.repeat(roomForText)));
      break;
    }
    case 'number':
      out.push(...wrongTypes);
      if (!field.alsoTakes?.includes('numeric text')) out.push(v('digits as text', '12'));
      if (!field.alsoTakes?.includes('zero')) out.push(v('0', 0));
      out.push(v('text', 'abc'), v('empty text', ''), v('-1', -1), v('1.5', 1.5), v('1e400', new RawJson('1e400')), v('2^64', new RawJson('18446744073709551616')), v('400 digits', '1'.repeat(400)));
      break;
    case 'boolean':
      out.push(...wrongTypes.filter((w) => w.name !== 'true'), v('"true"', 'true'), v('1', 1), v('0', 0), v('"yes"', 'yes'));
      break;
    case 'list':
      out.push(...wrongTypes.filter((w) => !/list/.test(w.name)), v('text', 'x'), v('1', 1), v('a list of null', [null]), v('a list of text', ['x']), v('a list of lists', [[]]));
      if (field.max !== undefined) out.push(v(`${field.max + 1} entries`, Array.from({ length: field.max + 1 }, () => ({}))));
      break;
    case 'object':
      out.push(...wrongTypes.filter((w) => !/object/.test(w.name)), v('text', 'x'), v('1', 1));
      break;
  }
  return out;
}

/** Invalid UTF-8 inside a JSON string: what a broken client or an attacker sends instead of text. */
export const BROKEN_UTF8: Array<{ name: string; value: unknown }> = [
  { name: 'overlong UTF-8 for "/"', value: new RawBytes(Buffer.from([0x61, 0x62, 0xc0, 0xaf, 0x63])) },
  { name: 'an encoded surrogate (CESU-8)', value: new RawBytes(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80, 0x63])) },
  { name: 'a byte that is never UTF-8', value: new RawBytes(Buffer.from([0x61, 0x62, 0xff, 0x63])) },
  { name: 'a truncated sequence', value: new RawBytes(Buffer.from([0x61, 0x62, 0x63, 0xe2, 0x82])) },
];

/** `base` with the value at `path` replaced (or removed), as the bytes of a JSON body. */
export function bodyWith(base: unknown, path: Path, value: unknown): Buffer {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const raw: Array<RawBytes | RawJson> = [];
  if (value === MISSING) delete node[last];
  else if (value instanceof RawBytes || value instanceof RawJson) node[last] = `\u0000raw${raw.push(value) - 1}\u0000`;
  else node[last] = value;
  const text = JSON.stringify(copy);
  const parts = text.split(/"\\u0000raw(\d+)\\u0000"/);
  return Buffer.concat(
    parts.map((part, i) => {
      if (i % 2 === 0) return Buffer.from(part, 'utf8');
      const r = raw[Number(part)]!;
      return r instanceof RawJson ? Buffer.from(r.text) : Buffer.concat([Buffer.from('"'), r.bytes, Buffer.from('"')]);
    }),
  );
}

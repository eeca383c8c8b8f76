import { createHash, timingSafeEqual } from 'node:crypto';

import { Refusal } from '../shared/refusal';
import type { PaykassmaConfig } from './config';
import { str as textOf } from './transformers';

/**
 * PHP's json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), which Paykassma
 * hashes (protocols.md §4.3): compact, `/` and non-ASCII left as they are, control characters
 * escaped (`\n`, `\u001f`), U+2028/U+2029 still escaped (PHP only leaves them with
 * JSON_UNESCAPED_LINE_TERMINATORS), keys in the order given. Numbers print as JavaScript prints
 * them: a body parsed in JavaScript has already lost PHP's `10.0` spelling, which is why
 * verification prefers the exact received bytes (postbackSignedJsonCandidates).
 */
export function phpJsonEncode(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('PHP cannot encode a non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return phpString(value);
  if (Array.isArray(value)) return `[${value.map(phpJsonEncode).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${phpString(k)}:${phpJsonEncode(v)}`,
    );
    return `{${members.join(',')}}`;
  }
  throw new Error(`PHP cannot encode a ${typeof value}`);
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function phpString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const short = SHORT_ESCAPES[ch];
    const code = ch.codePointAt(0) ?? 0;
    if (short !== undefined) out += short;
    else if (code < 0x20 || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** `sha1(postback_access_key . postback_private_access_key . md5(json))`, lowercase hex (§4.3). */
export function postbackSignature(accessKey: string, privateKey: string, json: string): string {
  return createHash('sha1')
    .update(accessKey + privateKey + md5(json), 'utf8')
    .digest('hex');
}

/** The member of a postback that carries its signature. */
export const SIGNATURE_FIELD = 'signature';

/**
 * The JSON texts a postback's signature may cover, most exact first: the received body with its
 * top-level `signature` member cut out byte for byte, then the PHP re-encoding of the parsed
 * body without it (for senders that pretty-print on the wire but hash compact JSON).
 */
export function postbackSignedJsonCandidates(
  rawText: string,
  parsed: Record<string, unknown>,
): string[] {
  const candidates: string[] = [];
  const cut = withoutTopLevelMember(rawText, SIGNATURE_FIELD);
  if (cut !== undefined) candidates.push(cut);
  const rest = { ...parsed };
  delete rest[SIGNATURE_FIELD];
  const php = phpJsonEncode(rest);
  if (!candidates.includes(php)) candidates.push(php);
  return candidates;
}

/**
 * The text of a JSON object with one top-level member removed (with one neighbouring comma), all
 * other bytes untouched. Undefined when the text is not an object or lacks the member.
 */
export function withoutTopLevelMember(text: string, name: string): string | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i += 1;
  };
  const str = (): string | undefined => {
    if (text.charAt(i) !== '"') return undefined;
    const start = i;
    i += 1;
    while (i < text.length) {
      const ch = text.charAt(i);
      if (ch === '\\') i += 2;
      else if (ch === '"') {
        i += 1;
        try {
          return JSON.parse(text.slice(start, i)) as string;
        } catch {
          return undefined;
        }
      } else i += 1;
    }
    return undefined;
  };
  const skipValue = (): boolean => {
    ws();
    const ch = text.charAt(i);
    if (ch === '"') return str() !== undefined;
    if (ch === '{' || ch === '[') {
      let depth = 0;
      while (i < text.length) {
        const c = text.charAt(i);
        if (c === '"') {
          if (str() === undefined) return false;
          continue;
        }
        if (c === '{' || c === '[') depth += 1;
        if (c === '}' || c === ']') depth -= 1;
        i += 1;
        if (depth === 0) return true;
      }
      return false;
    }
    const start = i;
    while (i < text.length && !',}] \t\r\n'.includes(text.charAt(i))) i += 1;
    return i > start;
  };

  ws();
  if (text.charAt(i) !== '{') return undefined;
  i += 1;
  // Spans of each member: [start of key, end of value], and where the separating commas are.
  const members: { start: number; end: number; key: string }[] = [];
  for (;;) {
    ws();
    if (text.charAt(i) === '}') break;
    const start = i;
    const key = str();
    if (key === undefined) return undefined;
    ws();
    if (text.charAt(i) !== ':') return undefined;
    i += 1;
    if (!skipValue()) return undefined;
    members.push({ start, end: i, key });
    ws();
    if (text.charAt(i) === ',') {
      i += 1;
      continue;
    }
    if (text.charAt(i) === '}') break;
    return undefined;
  }
  const index = members.findIndex((m) => m.key === name);
  const member = members[index];
  if (member === undefined) return undefined;
  const next = members[index + 1];
  const prev = members[index - 1];
  // Remove the member and the comma that joined it to a neighbour.
  if (next) return text.slice(0, member.start) + text.slice(next.start);
  if (prev) return text.slice(0, prev.end) + text.slice(member.end);
  return text.slice(0, member.start) + text.slice(member.end);
}

/** Compares hex digests case-insensitively, in constant time for equal lengths. */
export function hexEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A postback's `signature` (§4.3) over the received body, then over its PHP re-encoding.
 * Throws a Refusal naming the field at fault.
 */
export function verifyPostbackSignature(
  config: Pick<PaykassmaConfig, 'postbackAccessKey' | 'postbackPrivateKey'>,
  text: string,
  body: Record<string, unknown>,
): void {
  const signature = textOf(body[SIGNATURE_FIELD]) ?? '';
  if (!/^[0-9a-fA-F]{40}$/.test(signature)) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'signature is missing or not SHA-1 hex', [
      SIGNATURE_FIELD,
    ]);
  }
  const access = config.postbackAccessKey.reveal();
  const priv = config.postbackPrivateKey.reveal();
  const matches = postbackSignedJsonCandidates(text, body).map((json) =>
    hexEquals(signature, postbackSignature(access, priv, json)),
  );
  if (!matches.includes(true)) {
    throw new Refusal('PROVIDER_SIGNATURE_INVALID', 'signature does not match the body', [
      SIGNATURE_FIELD,
    ]);
  }
}

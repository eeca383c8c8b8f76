/** Why a body is not a usable form; safe to log (never contains values). */
export class FormParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormParseError';
  }
}

/** Upper bound for a callback body; WebMoney notifications are well under 4 KiB. */
export const MAX_FORM_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeComponent(text: string): string {
  // '+' is a space in application/x-www-form-urlencoded; decodeURIComponent rejects malformed
  // escapes and escapes that are not valid UTF-8.
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new FormParseError('bad percent-encoding');
  }
}

/**
 * Parses an application/x-www-form-urlencoded UTF-8 body from its raw bytes. Strict on purpose:
 * a repeated field name is an error (two LMI_PAYMENT_AMOUNTs must never let a verifier and a
 * reader pick different ones), as are invalid UTF-8 and control characters.
 */
export function parseFormBody(body: Buffer): Map<string, string> {
  if (body.length === 0) throw new FormParseError('empty body');
  if (body.length > MAX_FORM_BYTES) throw new FormParseError('body too large');
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new FormParseError('body is not UTF-8');
  }
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (name === '') throw new FormParseError('empty field name');
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(name + value)) {
      throw new FormParseError(`control character in ${name.slice(0, 40)}`);
    }
    if (fields.has(name)) throw new FormParseError(`field ${name.slice(0, 40)} repeated`);
    fields.set(name, value);
  }
  if (fields.size === 0) throw new FormParseError('no fields');
  return fields;
}

const cp1251 = new TextDecoder('windows-1251');

/** Percent-decodes to bytes (never failing on non-UTF-8 escapes), '+' as space. */
function percentBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new FormParseError('bad percent-encoding');
      bytes.push(parseHexByte(hex));
      i += 2;
    } else if (ch === 0x2b) {
      bytes.push(0x20);
    } else if (ch < 0x80) {
      bytes.push(ch);
    } else {
      throw new FormParseError('raw non-ASCII byte in a windows-1251 form');
    }
  }
  return Buffer.from(bytes);
}

function parseHexByte(hex: string): number {
  return Buffer.from(hex, 'hex')[0] ?? 0;
}

/**
 * Parses an application/x-www-form-urlencoded body whose escapes are windows-1251 bytes (older
 * Russian providers, IntellectMoney among them, may send cp1251). Same strictness as
 * parseFormBody.
 */
export function parseFormBodyWindows1251(body: Buffer): Map<string, string> {
  if (body.length === 0) throw new FormParseError('empty body');
  if (body.length > MAX_FORM_BYTES) throw new FormParseError('body too large');
  const text = body.toString('latin1');
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = cp1251.decode(percentBytes(eq === -1 ? pair : pair.slice(0, eq)));
    const value = cp1251.decode(percentBytes(eq === -1 ? '' : pair.slice(eq + 1)));
    if (name === '') throw new FormParseError('empty field name');
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(name + value)) {
      throw new FormParseError(`control character in ${name.slice(0, 40)}`);
    }
    if (fields.has(name)) throw new FormParseError(`field ${name.slice(0, 40)} repeated`);
    fields.set(name, value);
  }
  if (fields.size === 0) throw new FormParseError('no fields');
  return fields;
}

/**
 * Replaces the values of the named fields in a form body, keeping every other byte as received
 * (latin1 maps bytes 1:1, so the split and join are lossless). `names` are lower case and match
 * a field whatever its case: the adapters read some fields case-insensitively, so a secret sent
 * as `SECRETKEY` must not rest in the audit log either.
 */
export function redactFormFields(body: Buffer, names: ReadonlySet<string>): Buffer {
  const text = body.toString('latin1');
  let changed = false;
  const pairs = text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    let name: string;
    try {
      name = decodeURIComponent(
        Buffer.from(pair.slice(0, eq), 'latin1').toString('utf8').replace(/\+/g, ' '),
      );
    } catch {
      return pair;
    }
    if (!names.has(name.toLowerCase())) return pair;
    changed = true;
    return `${pair.slice(0, eq)}=REDACTED`;
  });
  return changed ? Buffer.from(pairs.join('&'), 'latin1') : body;
}

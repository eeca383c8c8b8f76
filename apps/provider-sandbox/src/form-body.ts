/** A decoded application/x-www-form-urlencoded body: name/value pairs in the order sent. */
export type FormFields = Array<[string, string]>;

export type FormCharset = 'utf-8' | 'windows-1251';

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Percent-decodes one component to bytes ('+' is a space), so any charset can decode them. */
function componentBytes(component: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < component.length; i++) {
    const c = component[i] as string;
    if (c === '+') {
      bytes.push(0x20);
    } else if (c === '%' && HEX.test(component.slice(i + 1, i + 3))) {
      bytes.push(parseInt(component.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // The raw body was read as latin1, so each char is exactly one byte.
      bytes.push(c.charCodeAt(0) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * Parses a form body in the given charset. WebMoney's payment.asp reads windows-1251 and
 * payment_utf.asp UTF-8, so the bytes are decoded only after percent-decoding, never assumed.
 */
export function parseFormBody(raw: Buffer | string, charset: FormCharset = 'utf-8'): FormFields {
  const text =
    typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : raw.toString('latin1');
  const decoder = new TextDecoder(charset);
  const fields: FormFields = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    fields.push([decoder.decode(componentBytes(name)), decoder.decode(componentBytes(value))]);
  }
  return fields;
}

/** The first value of a field, or undefined. */
export function fieldOf(fields: FormFields, name: string): string | undefined {
  return fields.find(([n]) => n === name)?.[1];
}

/** Encodes fields as UTF-8 application/x-www-form-urlencoded, keeping their order. */
export function encodeForm(fields: ReadonlyArray<readonly [string, string]>): string {
  return new URLSearchParams(fields.map(([n, v]): [string, string] => [n, v])).toString();
}

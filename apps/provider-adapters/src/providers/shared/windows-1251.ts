/**
 * windows-1251 encoding. Node decodes it (TextDecoder) but cannot encode it, and IntellectMoney
 * notification hashes are computed by many merchants over the cp1251 bytes of the string, so the
 * table is derived once from the decoder: every byte 0x80..0xFF decodes to one character.
 */
const ENCODE = (() => {
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<string, number>();
  for (let byte = 0x80; byte <= 0xff; byte += 1) {
    const ch = decoder.decode(Uint8Array.of(byte));
    // 0x98 is unassigned and decodes to U+FFFD; never map the replacement character.
    if (ch !== '\ufffd' && !table.has(ch)) table.set(ch, byte);
  }
  return table;
})();

/** The cp1251 bytes of text, or undefined when a character has no cp1251 byte. */
export function encodeWindows1251(text: string): Buffer | undefined {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    const byte = ENCODE.get(ch);
    if (byte === undefined) return undefined;
    bytes.push(byte);
  }
  return Buffer.from(bytes);
}

/** Decodes cp1251 bytes (bodies that are not UTF-8). */
export function decodeWindows1251(bytes: Buffer): string {
  return new TextDecoder('windows-1251').decode(bytes);
}

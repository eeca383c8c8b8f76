/**
 * EMVCo ID 63: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) over the
 * UTF-8 bytes of the payload up to and including the `6304` header of ID 63 itself. Leaving `6304`
 * out yields codes that look valid and are rejected by wallets.
 */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    table[n] = c;
  }
  return table;
})();

export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ b) & 0xff] as number);
  return crc;
}

const encoder = new TextEncoder();

/** CRC of the UTF-8 bytes of `text`; ASCII text (most payloads) is its own bytes, not copied. */
function crcOfText(text: string): number {
  let crc = 0xffff;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return crc16CcittFalse(encoder.encode(text));
    crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ c) & 0xff] as number);
  }
  return crc;
}

/** The ID 63 value for `textUpToCrcHeader` (which ends in `6304`): 4 uppercase hex digits. */
export function emvcoCrc(textUpToCrcHeader: string): string {
  return crcOfText(textUpToCrcHeader).toString(16).toUpperCase().padStart(4, '0');
}

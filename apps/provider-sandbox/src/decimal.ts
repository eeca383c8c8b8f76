/**
 * Provider amounts are decimal strings on the wire; the sandbox does its arithmetic on integer
 * minor units, so no float ever rounds a price.
 */

/** `"100.5"` at exponent 2 -> 10050n; undefined when not a plain non-negative decimal or too precise. */
export function minorFromDecimal(text: string, exponent: number): bigint | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return undefined;
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return undefined;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
}

/** 10050n at exponent 2 -> `"100.50"`. */
export function decimalFromMinor(minor: bigint, exponent: number): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  const base = 10n ** BigInt(exponent);
  const fraction = exponent > 0 ? `.${String(abs % base).padStart(exponent, '0')}` : '';
  return `${sign}${abs / base}${fraction}`;
}

/** Groups thousands for people: 1241200n at exponent 2 -> `"12 412.00"`. */
export function displayMinor(minor: bigint, exponent: number): string {
  const [whole = '0', fraction] = decimalFromMinor(minor, exponent).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

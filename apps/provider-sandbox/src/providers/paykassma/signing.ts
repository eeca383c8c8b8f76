import { createHash } from 'node:crypto';

/**
 * Paykassma postback signing (protocols.md §4.3). Written apart from provider-adapters on
 * purpose: each side reproduces the formula on its own.
 */

/**
 * PHP `json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)`: compact, `/` and
 * non-ASCII as they are, keys in insertion order. PHP still escapes U+2028/U+2029 (without
 * JSON_UNESCAPED_LINE_TERMINATORS), which JSON.stringify does not. Only integers are allowed as
 * numbers: PHP prints floats differently, and Paykassma amounts here are whole kyat.
 */
export function phpJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isInteger(v)) {
      throw new Error('phpJson: only integers are encoded (PHP float formatting differs)');
    }
    if (typeof v === 'bigint') throw new Error('phpJson: bigint must be converted first');
    return v;
  });
  return text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `sha1(access_key . private_key . md5(json))`, lowercase hex as PHP returns them. */
export function postbackSignature(json: string, accessKey: string, privateKey: string): string {
  const inner = createHash('md5').update(json, 'utf8').digest('hex');
  return createHash('sha1').update(`${accessKey}${privateKey}${inner}`, 'utf8').digest('hex');
}

/**
 * The postback body: the data object with `signature` appended as its last key, where the
 * signature covers phpJson(data), i.e. exactly the body without its `,"signature":"…"` tail.
 */
export function signedPostback(
  data: Readonly<Record<string, string | number | boolean | null>>,
  keys: { accessKey: string; privateKey: string },
): { json: string; signature: string; body: string } {
  if ('signature' in data) throw new Error('signedPostback: data must not carry a signature');
  const json = phpJson(data);
  const signature = postbackSignature(json, keys.accessKey, keys.privateKey);
  return { json, signature, body: phpJson({ ...data, signature }) };
}

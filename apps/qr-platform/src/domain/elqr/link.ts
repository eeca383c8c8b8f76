import { type ParsedElqr, parseElqrPayload } from './payload';
import { ElqrError } from './tlv';

/** The national router; bank apps also publish their own prefixes. */
export const ELQR_DEFAULT_LINK_BASE_URL = 'https://pay.payqr.kg/';

/**
 * Payment link = base URL + `#` + payload. The payload is percent-encoded only where a URL needs
 * it (non-ASCII, spaces, `%`, and `#`, which a fragment may not hold), so an ASCII payload appears
 * verbatim and every payload survives the decode that parsers apply to the fragment.
 */
export function buildElqrLink(baseUrl: string, payload: string): string {
  if (baseUrl.includes('#')) {
    throw new ElqrError('ELQR_INVALID_VALUE', 'the link base URL must not contain "#"', 'base_url');
  }
  return `${baseUrl}#${encodeURI(payload).replace(/#/g, '%23')}`;
}

/** Everything after the first `#`, percent-decoded as UTF-8. */
export function elqrPayloadFromLink(link: string): string {
  const hash = link.indexOf('#');
  if (hash === -1)
    throw new ElqrError('ELQR_MALFORMED', 'a payment link carries its payload after "#"');
  try {
    return decodeURIComponent(link.slice(hash + 1));
  } catch {
    throw new ElqrError('ELQR_MALFORMED', 'the link fragment is not valid percent-encoded UTF-8');
  }
}

export function parseElqrLink(link: string): ParsedElqr {
  return parseElqrPayload(elqrPayloadFromLink(link));
}

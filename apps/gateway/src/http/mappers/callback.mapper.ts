import { HttpRequest } from '@tolem/contracts/common';

/**
 * Header names in lower case, repeated headers joined with ", " in arrival order, built from the
 * raw header list (Node's parsed headers drop duplicates of some names, e.g. content-type).
 */
export function headersFromRaw(rawHeaders: readonly string[]): Record<string, string> {
  // No prototype: a header named __proto__ must be kept as data, not hit Object.prototype.
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const seen = headers[name];
    headers[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return headers;
}

/** Splits a request target into its path and raw query (no leading "?", not decoded). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}

export interface RawCallback {
  method: string;
  url: string;
  rawHeaders: readonly string[];
  body: unknown;
  remoteAddress: string;
}

/** A provider's request exactly as received: providers sign the bytes, so nothing is re-encoded. */
export function toProviderHttpRequest(raw: RawCallback): HttpRequest {
  const { path, query } = splitTarget(raw.url);
  return HttpRequest.fromPartial({
    method: raw.method,
    path,
    query,
    headers: headersFromRaw(raw.rawHeaders),
    body: Buffer.isBuffer(raw.body) ? raw.body : Buffer.alloc(0),
    remoteAddress: raw.remoteAddress,
  });
}

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

import type { HttpOutcome, MerchantHttp } from '../domain/ports';
import { isIpLiteral, type PrivateNetworkAllowance, refusal } from '../domain/ssrf';

/** Enough to recognise an acknowledgement and keep an excerpt; a huge answer is never read whole. */
export const MAX_BODY_BYTES = 16 * 1024;

class RefusedAddress extends Error {
  override name = 'RefusedAddress';
}

/**
 * A DNS lookup that fails when any resolved address is not allowed. It runs when the socket
 * connects, so the address checked is the address connected to: a name that resolves to a public
 * address for a check and to 127.0.0.1 for the connection (DNS rebinding) cannot get through.
 */
function guardedLookup(allowance: PrivateNetworkAllowance): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const refused = addresses.map((a) => refusal(a.address, allowance)).find(Boolean);
      if (refused) {
        callback(new RefusedAddress(`${refused} (resolved from ${hostname})`), '', 0);
        return;
      }
      if (options.all) callback(null, addresses);
      else {
        const [first] = addresses;
        callback(null, first?.address ?? '', first?.family ?? 4);
      }
    });
  };
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string };
  if (e.name === 'RefusedAddress') return e.message ?? 'refused';
  if (e.name === 'TimeoutError') return 'timeout';
  return e.code ? `${e.code}${e.message ? `: ${e.message}` : ''}` : (e.message ?? String(err));
}

async function readBounded(response: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= maxBytes) {
      response.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

export interface MerchantHttpOptions {
  allowPrivateNetworks: PrivateNetworkAllowance;
  /** Sockets per merchant host; the dispatcher's per-endpoint limit is the real bound. */
  maxSocketsPerHost?: number;
}

/**
 * POSTs to merchants with node:http(s), refusing non-public addresses (literal hosts before
 * connecting, names at connect time). Redirects are not followed (a 3xx is not an
 * acknowledgement), the timeout covers the whole exchange including the body, and only the first
 * MAX_BODY_BYTES of an answer are read. Keep-alive reuses connections to busy merchants.
 */
export function createMerchantHttp(options: MerchantHttpOptions): MerchantHttp & {
  close(): void;
} {
  const lookup = guardedLookup(options.allowPrivateNetworks);
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerHost ?? 64,
    lookup,
  };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);

  return {
    async post({ url, headers, body, timeoutMs }): Promise<HttpOutcome> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return { kind: 'error', error: 'invalid URL', durationMs: elapsed() };
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        return { kind: 'error', error: 'URL is not http(s)', durationMs: elapsed() };
      }
      if (isIpLiteral(target.hostname)) {
        const refused = refusal(target.hostname, options.allowPrivateNetworks);
        if (refused) return { kind: 'error', error: refused, durationMs: elapsed() };
      }
      const https = target.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      return new Promise<HttpOutcome>((resolve) => {
        let settled = false;
        const finish = (outcome: HttpOutcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        };
        const req = (https ? httpsRequest : httpRequest)(
          target,
          {
            method: 'POST',
            agent: https ? httpsAgent : httpAgent,
            lookup,
            headers: { ...headers, 'content-length': String(payload.byteLength) },
          },
          (res) => {
            readBounded(res, MAX_BODY_BYTES).then(
              (text) =>
                finish({
                  kind: 'response',
                  statusCode: res.statusCode ?? 0,
                  body: text,
                  headers: {
                    ...(typeof res.headers['retry-after'] === 'string'
                      ? { retryAfter: res.headers['retry-after'] }
                      : {}),
                  },
                  durationMs: elapsed(),
                }),
              (err: unknown) =>
                finish({ kind: 'error', error: describe(err), durationMs: elapsed() }),
            );
          },
        );
        const timer = setTimeout(() => {
          const err = new Error('timeout');
          err.name = 'TimeoutError';
          req.destroy(err);
          finish({ kind: 'error', error: 'timeout', durationMs: elapsed() });
        }, timeoutMs);
        req.on('error', (err) =>
          finish({ kind: 'error', error: describe(err), durationMs: elapsed() }),
        );
        req.end(payload);
        // An outcome, never a rejection: the dispatcher records an outcome as the attempt, while a
        // rejection would leave the delivery to be claimed and thrown again without end.
      }).catch((err: unknown) => ({ kind: 'error', error: describe(err), durationMs: elapsed() }));
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

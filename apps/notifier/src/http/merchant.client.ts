import type { HttpOutcome, MerchantHttp } from '../domain/ports';

/** Enough to recognise `ok` and keep a snippet; a huge answer is never read whole. */
const MAX_BODY_BYTES = 16 * 1024;

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'request failed'}: ${cause}` : (e.message ?? String(err));
}

/**
 * POSTs with Node's fetch. Redirects are not followed (a 3xx is just not an `ok`), and the timeout
 * covers the whole exchange including the body.
 */
export function createMerchantHttp(): MerchantHttp {
  return {
    async post({ url, headers, body, timeoutMs }): Promise<HttpOutcome> {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal,
        });
        const text = await readBounded(response);
        return {
          kind: 'response',
          statusCode: response.status,
          body: text,
          durationMs: performance.now() - started,
        };
      } catch (err) {
        return { kind: 'error', error: describe(err), durationMs: performance.now() - started };
      }
    },
  };
}

import { providerErrors } from '../../domain/errors';
import type { ProviderHttp } from '../../domain/ports';

/** Providers' answers are small JSON documents; anything larger is cut off and treated as bad. */
const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * ProviderHttp over the platform fetch with a deadline per call. Redirects are not followed (a
 * provider API that redirects is misconfigured, and following could leak the query secret).
 */
export function createFetchHttp(options: { timeoutMs: number }): ProviderHttp {
  return {
    async send(request) {
      let res: Response;
      try {
        res = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        const name = (err as Error).name;
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        // Never the URL: a plugin-API URL carries its secret in the query.
        throw providerErrors.create(
          'PROVIDER_UNAVAILABLE',
          `provider did not answer (${cause ?? name})`,
          { details: { host: new URL(request.url).host, reason: cause ?? name } },
        );
      }
      const body = Buffer.from(await res.arrayBuffer());
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      return {
        status: res.status,
        headers,
        body: body.length > MAX_RESPONSE_BYTES ? body.subarray(0, MAX_RESPONSE_BYTES) : body,
      };
    },
  };
}

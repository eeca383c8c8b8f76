import { providerErrors } from '../../domain/errors';
import type { ProviderHttpResponse } from '../../domain/ports';
import type { PaykassmaContext } from './config';
import type { Json } from './transformers';

/** The plugin-API (§4.2) as one call: POST JSON, answer a JSON object or a clear error. */
export function makeCallApi(ctx: Pick<PaykassmaContext, 'config' | 'http'>) {
  const { config } = ctx;

  const apiUrl = (path: string) =>
    `${config.apiUrl}${path}?secret=${encodeURIComponent(config.pluginApiSecret.reveal())}`;

  /** One plugin-API call; the secret travels in the query, so it is never logged or echoed. */
  async function callApi(path: string, body: string, what: string): Promise<Json> {
    const res: ProviderHttpResponse = await ctx.http.send({
      method: 'POST',
      url: apiUrl(path),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
    });
    if (res.status === 404 || res.status === 401 || res.status === 403) {
      // §4.2: a wrong secret or an unregistered caller IP answers 404.
      throw providerErrors.create(
        'PROVIDER_UNAVAILABLE',
        `Paykassma ${what} answered HTTP ${res.status}: check the plugin-API secret and the registered IP`,
        { details: { status: String(res.status) } },
      );
    }
    if (res.status >= 500) {
      throw providerErrors.create(
        'PROVIDER_UNAVAILABLE',
        `Paykassma ${what} answered HTTP ${res.status}`,
        {
          details: { status: String(res.status) },
        },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(res.body.toString('utf8'));
    } catch {
      value = undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw providerErrors.create(
        'PROVIDER_BAD_RESPONSE',
        `Paykassma ${what} answered without a JSON object`,
        {
          details: { status: String(res.status) },
        },
      );
    }
    return value as Json;
  }

  return callApi;
}

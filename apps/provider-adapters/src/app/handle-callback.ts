import type { CallbackResult, RawCallback } from '../domain/callback';
import type { CallbackLog, EventLog } from '../domain/ports';
import type { ProviderName } from '../domain/provider-transaction';
import type { ProviderRegistry } from '../providers/registry';

export interface HandleCallbackDeps {
  registry: ProviderRegistry;
  callbacks: CallbackLog;
  log: EventLog;
}

/** Headers that may carry credentials of whoever called the gateway; not kept in the audit log. */
const UNAUDITED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

function auditable(raw: RawCallback): RawCallback {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers)) {
    if (!UNAUDITED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  return { ...raw, headers };
}

/**
 * Handles one provider callback: the raw request is stored first (so even a crash mid-way leaves
 * evidence), the provider's adapter verifies and applies it, and the verdict is recorded on the
 * stored row. Refusals are logged with the reason and field names only, never values of secrets
 * or signatures. A callback for a provider without an adapter is stored, then refused with
 * PROVIDER_METHOD_UNSUPPORTED.
 */
export function makeHandleCallback(deps: HandleCallbackDeps) {
  return async (
    provider: ProviderName,
    raw: RawCallback,
  ): Promise<CallbackResult & { callbackId: string }> => {
    let adapter: ReturnType<ProviderRegistry['forProvider']> | undefined;
    let unsupported: unknown;
    try {
      adapter = deps.registry.forProvider(provider);
    } catch (err) {
      unsupported = err;
    }
    const stored = adapter?.redactForAudit ? adapter.redactForAudit(raw) : raw;
    const callbackId = await deps.callbacks.record(provider, auditable(stored));
    if (!adapter) {
      await deps.callbacks.decide(callbackId, {
        verdict: 'rejected',
        reasonCode: 'PROVIDER_METHOD_UNSUPPORTED',
      });
      deps.log.warn({ provider, callbackId }, 'callback for a provider without an adapter');
      throw unsupported;
    }

    const result = await adapter.handleCallback(raw);
    await deps.callbacks.decide(callbackId, {
      verdict: result.verdict,
      reasonCode: result.reasonCode,
      paymentId: result.paymentId,
    });

    const d = result.diagnostics;
    if (d) {
      const fields = {
        provider,
        callbackId,
        verdict: result.verdict,
        reasonCode: result.reasonCode,
        paymentId: result.paymentId,
        fields: d.fields,
        note: d.note,
      };
      const message =
        result.outcome === 'rejected'
          ? 'provider callback refused'
          : result.verdict === 'duplicate'
            ? 'provider callback repeated'
            : 'provider callback needs attention';
      deps.log[d.level](fields, message);
    }
    return { ...result, callbackId };
  };
}

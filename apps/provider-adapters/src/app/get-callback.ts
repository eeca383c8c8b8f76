import { providerErrors } from '../domain/errors';
import type { CallbackLog, StoredCallback } from '../domain/ports';

/** A stored raw callback for an operator (a case's evidence); PROVIDER_CALLBACK_NOT_FOUND else. */
export function makeGetCallback(deps: { callbacks: Pick<CallbackLog, 'find'> }) {
  return async (callbackId: string): Promise<StoredCallback> => {
    const found = /^cb_[0-9a-z]{1,64}$/.test(callbackId)
      ? await deps.callbacks.find(callbackId)
      : undefined;
    if (!found) {
      throw providerErrors.create(
        'PROVIDER_CALLBACK_NOT_FOUND',
        `no stored callback ${callbackId}`,
        {
          details: { field: 'callback_id' },
        },
      );
    }
    return found;
  };
}

import {
  LedgerServiceClient,
  SetFeePlanRequest,
  SetMerchantSettingsRequest,
} from '@tolem/contracts/ledger';
import { NotifierServiceClient, UpsertEndpointRequest } from '@tolem/contracts/notifier';
import { createClient } from '@tolem/grpc-kit';

import type { MerchantPeersPort } from '../domain/ports';
import { methodToProto } from '../grpc/common.mapper';

/**
 * The peers onboarding hands settings to: the ledger (fee plan, negative balance) and the
 * notifier (endpoint). Short deadlines: a create waits for them, and a slow peer only delays its
 * step to the sweeper.
 */
export function createMerchantPeersClient(
  addresses: { ledger: string; notifier: string },
  options: { deadlineMs: number },
): MerchantPeersPort & { close(): void } {
  const ledger = createClient(LedgerServiceClient, addresses.ledger, {
    defaultDeadlineMs: options.deadlineMs,
  });
  const notifier = createClient(NotifierServiceClient, addresses.notifier, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async setFeePlan(merchantId, rules) {
      await ledger.setFeePlan(
        SetFeePlanRequest.fromPartial({
          merchantId,
          rules: rules.map((r) => ({
            method: methodToProto(r.method),
            percentBps: r.percentBps,
            fixed: r.fixed.map((f) => ({ amountMinor: f.amountMinor, currency: f.currency })),
          })),
        }),
      );
    },
    async setMerchantSettings(merchantId, allowNegativeBalance) {
      await ledger.setMerchantSettings(
        SetMerchantSettingsRequest.fromPartial({ merchantId, allowNegativeBalance }),
      );
    },
    async upsertEndpoint(merchantId, url, signingSecret, previous) {
      await notifier.upsertEndpoint(
        UpsertEndpointRequest.fromPartial({
          merchantId,
          url,
          signingSecret,
          ...(previous
            ? {
                previousSigningSecret: previous.secret,
                previousSecretExpiresAt: previous.expiresAt,
              }
            : {}),
        }),
      );
    },
    close() {
      ledger.close();
      notifier.close();
    },
  };
}

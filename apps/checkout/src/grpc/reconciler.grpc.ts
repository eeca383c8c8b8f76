import { ReconcileResponse, type ReconcilerServiceService } from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { Reconcile } from '../app/reconcile';
import { providerToProto } from './common.mapper';

/** Thin transport: one pass, its counts back. Errors are mapped by grpc-kit. */
export function reconcilerHandlers(deps: {
  reconcile: Reconcile;
}): Handlers<typeof ReconcilerServiceService> {
  return {
    async reconcile() {
      const r = await deps.reconcile();
      return ReconcileResponse.fromPartial({
        settledSeen: r.settledSeen,
        applied: r.applied,
        alreadyConsistent: r.alreadyConsistent,
        casesOpened: r.casesOpened,
        statusQueriesAsked: r.statusQueriesAsked,
        statusQueriesAnswered: r.statusQueriesAnswered,
        statusQueriesUnsupported: r.statusQueriesUnsupported,
        unposted: r.unposted,
        deferred: r.deferred,
        unexplained: r.unexplained.map((d) => ({
          code: d.code,
          paymentId: d.paymentId,
          ...(d.provider ? { provider: providerToProto(d.provider) } : {}),
          providerPaymentId: d.providerPaymentId,
          detail: d.detail,
        })),
      });
    },
  };
}

import {
  AcknowledgeDifferenceResponse,
  ReconcileResponse,
  type ReconcilerServiceService,
} from '@tolem/contracts/checkout';
import type { Handlers } from '@tolem/grpc-kit';

import type { AcknowledgeDifference, Reconcile } from '../app/reconcile';
import { providerToProto } from './common.mapper';

/** Thin transport: one pass, its counts back. Errors are mapped by grpc-kit. */
export function reconcilerHandlers(deps: {
  reconcile: Reconcile;
  acknowledgeDifference: AcknowledgeDifference;
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
          transactionId: d.transactionId,
        })),
      });
    },
    async acknowledgeDifference(req) {
      const { already } = await deps.acknowledgeDifference({
        transactionId: req.transactionId,
        operator: req.operator,
        note: req.note,
      });
      return AcknowledgeDifferenceResponse.fromPartial({ alreadyAcknowledged: already });
    },
  };
}

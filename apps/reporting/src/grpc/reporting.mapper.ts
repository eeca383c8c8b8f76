import {
  type ListPaymentFactsRequest,
  PaymentFact as PbPaymentFact,
} from '@tolem/contracts/reporting';

import type { ListPaymentFactsInput } from '../app/list-payment-facts';
import type { PaymentFact } from '../domain/payment-fact';
import { methodFromString, providerFromString } from '../payment-enums';

export function listRequestToDomain(req: ListPaymentFactsRequest): ListPaymentFactsInput {
  return {
    merchantId: req.merchantId,
    from: req.from,
    to: req.to,
    pageSize: req.pageSize,
    pageToken: req.pageToken,
  };
}

export function factToProto(f: PaymentFact): PbPaymentFact {
  return PbPaymentFact.fromPartial({
    paymentId: f.paymentId,
    merchantId: f.merchantId,
    orderId: f.orderId,
    status: f.status,
    gross: { amountMinor: f.grossMinor, currency: f.currency },
    fee: { amountMinor: f.feeMinor, currency: f.currency },
    net: { amountMinor: f.netMinor, currency: f.currency },
    method: methodFromString(f.method),
    provider: providerFromString(f.provider),
    providerPaymentId: f.providerPaymentId,
    providerAttributes: f.providerAttributes,
    lastEventId: f.lastEventId,
    lastSequence: f.lastSequence,
    occurredAt: f.occurredAt,
    updatedAt: f.updatedAt,
  });
}

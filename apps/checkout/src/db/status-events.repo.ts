import type { Knex } from '@tolem/db-kit';
import { type CurrencyCode, money } from '@tolem/money';

import type { PaymentMethod, PaymentStatus, ProviderName, StatusEvent } from '../domain/payment';
import type { StatusEventRepository } from '../domain/ports';
import { retryAtAfter } from './retry-backoff';

/** payment_transitions.ledger_event: amounts as decimal strings, so no JSON number rounds them. */
interface StatusEventJson {
  event_type: string;
  status: PaymentStatus;
  amount_minor: string;
  currency: string;
  method: PaymentMethod | null;
  provider: ProviderName | null;
  provider_payment_id: string;
  provider_attributes: Record<string, string>;
  failure_code: string;
  occurred_at: string;
}

export function statusEventToJson(e: StatusEvent): StatusEventJson {
  return {
    event_type: e.eventType,
    status: e.status,
    amount_minor: e.amount.amountMinor.toString(),
    currency: e.amount.currency,
    method: e.method,
    provider: e.provider,
    provider_payment_id: e.providerPaymentId,
    provider_attributes: e.providerAttributes,
    failure_code: e.failureCode,
    occurred_at: e.occurredAt.toISOString(),
  };
}

function statusEventFromJson(j: StatusEventJson): StatusEvent {
  return {
    eventType: j.event_type,
    status: j.status,
    amount: money(BigInt(j.amount_minor), j.currency as CurrencyCode),
    method: j.method,
    provider: j.provider,
    providerPaymentId: j.provider_payment_id,
    providerAttributes: j.provider_attributes,
    failureCode: j.failure_code,
    occurredAt: new Date(j.occurred_at),
  };
}

interface OwedRow {
  id: string | number | bigint;
  payment_id: string;
  ledger_event: StatusEventJson;
}

/** The owed status events live on payment_transitions (written by PaymentRepository.update). */
export function createStatusEventsRepo(db: Knex): StatusEventRepository {
  return {
    async listOwed(paymentId) {
      const rows = (await db('payment_transitions')
        .select('id', 'payment_id', 'ledger_event')
        .where({ payment_id: paymentId })
        .whereNotNull('ledger_event')
        .whereNull('ledger_recorded_at')
        .orderBy('id')) as OwedRow[];
      return rows.map((r) => ({
        transitionId: String(r.id),
        paymentId: r.payment_id,
        event: statusEventFromJson(r.ledger_event),
      }));
    },

    async listPaymentsOwing(before, limit, now) {
      // A payment whose refused event waits keeps its later events waiting too (order).
      const rows = (await db('payment_transitions')
        .select('payment_id')
        .min('id as first_id')
        .whereNotNull('ledger_event')
        .whereNull('ledger_recorded_at')
        .where('at', '<=', before)
        .groupBy('payment_id')
        .havingRaw("coalesce(max(ledger_retry_at), '-infinity') <= ?", [now])
        .orderBy('first_id')
        .limit(limit)) as { payment_id: string }[];
      return rows.map((r) => r.payment_id);
    },

    async markRefused(transitionId, now) {
      await db.raw(
        `update payment_transitions set ledger_attempts = ledger_attempts + 1,
           ledger_retry_at = ${retryAtAfter('ledger_attempts', '1 hour')}
         where id = ? and ledger_recorded_at is null`,
        [now, transitionId],
      );
    },

    async markRecorded(transitionId, at, outcome) {
      await db('payment_transitions')
        .where({ id: transitionId })
        .whereNull('ledger_recorded_at')
        .update({ ledger_recorded_at: at, ledger_outcome: outcome });
    },
  };
}

import type { Knex } from '@tolem/db-kit';

import type { RecurringFact } from '../domain/facts';

/**
 * Stores a fact for the relay in the caller's transaction, so the fact exists exactly when the
 * change it describes was committed. A second fact with the same key is the same fact: ignored.
 */
export async function enqueueFact(
  trx: Knex | Knex.Transaction,
  fact: RecurringFact,
): Promise<void> {
  const { idempotencyKey, eventType, paymentId, merchantId, occurredAt, ...rest } = fact;
  await trx('recurring_facts')
    .insert({
      idempotency_key: idempotencyKey,
      event_type: eventType,
      payment_id: paymentId,
      merchant_id: merchantId,
      body: JSON.stringify({
        ...rest,
        amount: { amountMinor: rest.amount.amountMinor.toString(), currency: rest.amount.currency },
        occurredAt: occurredAt.toISOString(),
      }),
      next_attempt_at: occurredAt,
      created_at: occurredAt,
    })
    .onConflict('idempotency_key')
    .ignore();
}

import type { Knex } from '@tolem/db-kit';

import type { RecurringFact } from '../domain/facts';

function factRow(fact: RecurringFact) {
  const { idempotencyKey, eventType, paymentId, merchantId, occurredAt, ...rest } = fact;
  return {
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
  };
}

/**
 * Stores a fact for the relay in the caller's transaction, so the fact exists exactly when the
 * change it describes was committed. A second fact with the same key is the same fact: ignored.
 */
export async function enqueueFact(
  trx: Knex | Knex.Transaction,
  fact: RecurringFact,
): Promise<void> {
  await enqueueFacts(trx, [fact]);
}

/** enqueueFact for several facts in one statement; they are relayed in the order given. */
export async function enqueueFacts(
  trx: Knex | Knex.Transaction,
  facts: RecurringFact[],
): Promise<void> {
  if (facts.length === 0) return;
  await trx('recurring_facts').insert(facts.map(factRow)).onConflict('idempotency_key').ignore();
}

import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type { RecurringEventType, RecurringFact } from '../domain/facts';

type RowColumns = 'idempotencyKey' | 'eventType' | 'paymentId' | 'merchantId';

/** A fact's `body` as stored: the fields without a column of their own, in JSON-safe form. */
type FactBody = Omit<RecurringFact, RowColumns | 'amount' | 'occurredAt'> & {
  amount: { amountMinor: string; currency: string };
  occurredAt: string;
};

/** A recurring_facts row as the relay reads it. */
export interface FactRow {
  id: bigint;
  idempotency_key: string;
  event_type: RecurringEventType;
  payment_id: string;
  merchant_id: string;
  body: FactBody;
  attempts: number;
}

/** The fact a stored row holds (the inverse of factRow). */
export function factOfRow(row: FactRow): RecurringFact {
  const { amount, occurredAt, ...rest } = row.body;
  return {
    ...rest,
    idempotencyKey: row.idempotency_key,
    eventType: row.event_type,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    amount: money(BigInt(amount.amountMinor), amount.currency),
    occurredAt: new Date(occurredAt),
  };
}

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
    } satisfies FactBody),
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

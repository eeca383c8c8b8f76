import { providerErrors } from '../domain/errors';
import type { Clock, ProviderTransactionRepository, SettledPosition } from '../domain/ports';
import type { ExtraTransfer, ProviderTransaction } from '../domain/provider-transaction';
import type { Settlement } from '../providers/provider.port';
import type { ProviderRegistry } from '../providers/registry';

export interface ListSettledTransactionsDeps {
  registry: ProviderRegistry;
  transactions: Pick<ProviderTransactionRepository, 'listSettled' | 'listWithExtraTransfers'>;
  clock: Clock;
}

export interface SettledTransaction {
  transaction: ProviderTransaction;
  settlement: Settlement;
  /** Listing extra transfers: this one, and its place among the transaction's (from 1). */
  extra?: { transfer: ExtraTransfer; number: number };
}

const CURSOR = /^(\d{1,20})\.([A-Za-z0-9_-]{1,64})$/;

/** The opaque cursor: epoch microseconds and id of the last transaction read. */
export function cursorOf(position: SettledPosition): string {
  return `${position.atMicros}.${position.id}`;
}

export function positionOf(cursor: string): SettledPosition | null {
  if (cursor === '') return null;
  const m = CURSOR.exec(cursor);
  if (!m?.[1] || !m[2]) {
    throw providerErrors.create('PROVIDER_INVALID_REQUEST', 'cursor is not one this service gave', {
      details: { field: 'cursor' },
    });
  }
  return { atMicros: BigInt(m[1]), id: m[2] };
}

/**
 * A page of settled payer payments for checkout's reconciler, in settlement order, each with
 * what its adapter says the provider confirmed (an adapter without a view: the stored amount and
 * attributes). The cursor only moves forward; a page that found nothing returns it unchanged.
 */
export function makeListSettledTransactions(deps: ListSettledTransactionsDeps) {
  return async (input: {
    cursor: string;
    settledBefore: Date | null;
    limit: number;
    /** The extra transfers instead of the settlements. */
    extraTransfers?: boolean;
  }): Promise<{ transactions: SettledTransaction[]; nextCursor: string }> => {
    const after = positionOf(input.cursor);
    const before = input.settledBefore ?? deps.clock.now();
    if (input.extraTransfers) {
      const rows = await deps.transactions.listWithExtraTransfers({
        after,
        recordedBefore: before,
        limit: input.limit,
      });
      const last = rows.at(-1);
      return {
        transactions: rows.flatMap(({ transaction }) =>
          transaction.extraTransfers.map((transfer, i) => ({
            transaction,
            settlement: { amount: transfer.amount, attributes: { ...transfer.attributes } },
            extra: { transfer, number: i + 1 },
          })),
        ),
        nextCursor: last ? cursorOf(last.position) : input.cursor,
      };
    }
    const rows = await deps.transactions.listSettled({
      after,
      settledBefore: before,
      limit: input.limit,
    });
    const last = rows.at(-1);
    return {
      transactions: rows.map(({ transaction }) => ({
        transaction,
        settlement: settlementOf(deps.registry, transaction),
      })),
      nextCursor: last ? cursorOf(last.position) : input.cursor,
    };
  };
}

function settlementOf(registry: ProviderRegistry, tx: ProviderTransaction): Settlement {
  let adapter;
  try {
    adapter = registry.forProvider(tx.provider);
  } catch {
    // No longer configured here: what was stored is all there is.
    adapter = undefined;
  }
  return adapter?.settlementOf?.(tx) ?? { amount: tx.amount, attributes: { ...tx.attributes } };
}

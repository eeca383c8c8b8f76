import { ledgerErrors } from '../domain/errors';
import type { Transaction } from '../domain/journal';
import type { JournalRepository } from '../domain/ports';

/** The journal transactions of one payment, oldest first, with their postings. */
export function makeListPaymentTransactions(deps: { journal: JournalRepository }) {
  return async (paymentId: string): Promise<Transaction[]> => {
    if (!paymentId) {
      throw ledgerErrors.create('LEDGER_INVALID_REQUEST', 'payment_id is required', {
        details: { field: 'payment_id' },
      });
    }
    return deps.journal.listByPayment(paymentId);
  };
}

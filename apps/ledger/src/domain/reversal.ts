import { money } from '@tolem/money';

import { type Account, isGuarded } from './accounts';
import { ledgerErrors } from './errors';
import { paymentEvent, type PaymentEventDraft } from './events';
import type { PostingDraft } from './journal';
import type { PaymentRecord } from './payment-record';
import { payoutEvent } from './payout';
import type { LockedState, StoredTransaction, TransactionBody, TransactionHead } from './ports';
import { requireId, requireText } from './validation';

export interface ReverseCommand {
  idempotencyKey: string;
  transactionId: string;
  reason: string;
}

export function validateReverse(cmd: ReverseCommand): ReverseCommand {
  requireId(cmd.idempotencyKey, 'idempotency_key');
  requireId(cmd.transactionId, 'transaction_id');
  requireText(cmd.reason, 'reason');
  return cmd;
}

/**
 * Refunds are not reversed: a refund is a start and an end (RefundPayment, ResolveRefund), and
 * the money of one that did not happen goes back to the merchant by failing it, with its own
 * `refund.failed` event.
 */
const REVERSIBLE = new Set(['payment', 'payout', 'transfer']);

export function reversalHead(cmd: ReverseCommand, original: StoredTransaction): TransactionHead {
  return {
    idempotencyKey: cmd.idempotencyKey,
    kind: 'reversal',
    paymentId: original.paymentId,
    reversesTransactionId: original.id,
    fingerprint: { transaction_id: cmd.transactionId, reason: cmd.reason },
  };
}

function notReversible(message: string): never {
  throw ledgerErrors.create('LEDGER_NOT_REVERSIBLE', message, {
    details: { field: 'transaction_id' },
  });
}

/**
 * A reversal mirrors the original's posted postings (pending legs of a captured hold stay
 * released). Payments are reversed only while posted and without refunds (pending or
 * succeeded), so the register and the journal never disagree about what was refunded. The
 * overdraft guard still applies.
 */
export function decideReversal(
  cmd: ReverseCommand,
  state: LockedState,
  now: Date,
): TransactionBody {
  const original = state.original;
  if (!original) {
    throw ledgerErrors.create(
      'LEDGER_TRANSACTION_NOT_FOUND',
      `transaction ${cmd.transactionId} not found`,
      {
        details: { field: 'transaction_id' },
      },
    );
  }
  if (!REVERSIBLE.has(original.kind))
    notReversible(`a ${original.kind} transaction cannot be reversed`);

  const postings: PostingDraft[] = original.postings
    .filter((p) => !p.pending)
    .map((p) => {
      const account = state.originalAccounts.get(p.accountId);
      if (!account) throw new Error(`account ${p.accountId} of ${original.id} not found`);
      return { account, amountMinor: -p.amountMinor };
    });
  const merchantLeg = postings.find((p) => isGuarded(p.account));
  const merchantAccount: Account | undefined = merchantLeg?.account as Account | undefined;

  const events: PaymentEventDraft[] = [];
  let payment: TransactionBody['payment'];
  const record: PaymentRecord | undefined = state.payment;
  switch (original.kind) {
    case 'payment': {
      if (!record || record.status !== 'posted')
        notReversible(`payment ${original.paymentId} is not posted`);
      if (record.refundedMinor > 0n || record.refundPendingMinor > 0n)
        notReversible(`payment ${original.paymentId} has refunds`);
      payment = { op: 'update', record: { ...record, status: 'reversed' } };
      const gross = money(record.grossMinor, record.currency);
      const fee = money(record.feeMinor, record.currency);
      events.push(
        paymentEvent(
          'payment.reversed',
          record,
          { gross, fee, net: money(gross.amountMinor - fee.amountMinor, record.currency) },
          now,
        ),
      );
      break;
    }
    case 'payout': {
      if (merchantAccount && merchantLeg) {
        const m = money(-merchantLeg.amountMinor, merchantAccount.currency);
        events.push(
          payoutEvent(
            'payout.reversed',
            original.paymentId,
            merchantAccount.ownerId,
            m,
            cmd.reason,
            now,
            merchantAccount.livemode,
          ),
        );
      }
      break;
    }
    default:
      break;
  }
  return { postings, events, payment };
}

import {
  type LedgerServiceService,
  ListPaymentTransactionsResponse,
  PostPaymentResponse,
} from '@tolem/contracts/ledger';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeCheckIntegrity } from '../app/check-integrity';
import type { makeGetBalance } from '../app/get-balance';
import type { makeListPaymentTransactions } from '../app/list-payment-transactions';
import type { makePostPayment } from '../app/post-payment';
import {
  balanceToProto,
  integrityToProto,
  postPaymentFromProto,
  transactionToProto,
} from './ledger.mapper';

export interface LedgerHandlerDeps {
  postPayment: ReturnType<typeof makePostPayment>;
  getBalance: ReturnType<typeof makeGetBalance>;
  listPaymentTransactions: ReturnType<typeof makeListPaymentTransactions>;
  checkIntegrity: ReturnType<typeof makeCheckIntegrity>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function ledgerHandlers(deps: LedgerHandlerDeps): Handlers<typeof LedgerServiceService> {
  return {
    async postPayment(req) {
      const { transaction, alreadyExisted } = await deps.postPayment(postPaymentFromProto(req));
      return PostPaymentResponse.fromPartial({
        transaction: transactionToProto(transaction),
        alreadyExisted,
      });
    },
    async getBalance(req) {
      return balanceToProto(
        await deps.getBalance({ merchantId: req.merchantId, currency: req.currency }),
      );
    },
    async listPaymentTransactions(req) {
      const transactions = await deps.listPaymentTransactions(req.paymentId);
      return ListPaymentTransactionsResponse.fromPartial({
        transactions: transactions.map(transactionToProto),
      });
    },
    async checkIntegrity() {
      return integrityToProto(await deps.checkIntegrity());
    },
  };
}

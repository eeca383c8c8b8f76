import type { CallbackRecord } from '../../callbacks';

/** What activation answers (seed 004). */
export type ActivationStatus = 'ok' | 'pending' | 'possible_transaction_created' | 'fail';

/**
 * The sandbox's test-amount outcomes: an activation status, or `ok_without_amount`, an `ok`
 * whose body lacks deposit_amount (to check that a merchant never takes it as the full amount).
 */
export type ActivationRule = ActivationStatus | 'ok_without_amount';

/** The JSON body of an activation answer, exactly as sent. */
export type ActivationAnswer =
  | {
      status: 'ok';
      deposit: true;
      /** Absent only for the `ok_without_amount` test amounts (…04). */
      deposit_amount?: number;
      currency: { code: string; symbol: string };
    }
  | { status: 'pending' | 'possible_transaction_created' | 'fail'; message: string };

/** success: credited (postback sent); pending / possible: waiting; fail: refused after review. */
export type DepositStatus = 'success' | 'pending' | 'possible' | 'fail';

/** A deposit: an activated wallet transfer matched to the merchant's transaction. */
export interface Deposit {
  /** Paykassma's deposit id, `id` in postbacks. */
  id: string;
  key1: string;
  label: string;
  customTransactionId: string;
  walletType: 'wavepay';
  currency: 'MMK';
  /** The amount the merchant asked to activate. */
  requestedAmount: bigint;
  /** The amount the payer actually sent: what is credited (deposit_amount). */
  amount: bigint;
  status: DepositStatus;
  /** The first activation answer; activating the same key1 again repeats it. */
  answer: ActivationAnswer;
  /** When the payer paid in the wallet app. */
  createdAt: Date;
  activatedAt: Date;
  postbacks: CallbackRecord[];
}

export interface DepositStore {
  add(deposit: Omit<Deposit, 'id' | 'postbacks'>): Deposit;
  get(id: string): Deposit | undefined;
  byKey1(key1: string): Deposit | undefined;
  byCustomTransactionId(id: string): Deposit | undefined;
}

export function createDepositStore(clock: () => Date): DepositStore {
  const byId = new Map<string, Deposit>();
  const key1s = new Map<string, string>();
  const customIds = new Map<string, string>();
  let last = 0;
  return {
    add(fields) {
      // Increasing numeric ids, seeded by the clock so restarts do not reuse them.
      last = Math.max(last + 1, Math.floor(clock().getTime() / 1000));
      const deposit: Deposit = { ...fields, id: String(last), postbacks: [] };
      byId.set(deposit.id, deposit);
      key1s.set(deposit.key1, deposit.id);
      customIds.set(deposit.customTransactionId, deposit.id);
      return deposit;
    },
    get: (id) => byId.get(id),
    byKey1: (key1) => byId.get(key1s.get(key1) ?? ''),
    byCustomTransactionId: (id) => byId.get(customIds.get(id) ?? ''),
  };
}

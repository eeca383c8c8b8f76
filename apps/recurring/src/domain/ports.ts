import type { BindingState, CardBinding, NewCardBinding } from './card-binding';
import type { RecurringFact } from './facts';
import type { OperationState, ScheduledOperation } from './operation';

/** Where a page starts: strictly older or strictly newer than an object of the same merchant. */
export type PageAnchor = { direction: 'after' | 'before'; createdAt: Date; id: string } | null;

/** Keyset paging newest first by (created_at, id), as CheckoutService.ListPayments. */
export interface PagedReader<Filter extends { merchantId: string; livemode: boolean | null }, T> {
  /**
   * The anchor's position, or undefined when it is not this merchant's (or of the mode asked,
   * when one is: a test key learns nothing of live ids).
   */
  positionOf(
    merchantId: string,
    id: string,
    livemode: boolean | null,
  ): Promise<{ createdAt: Date; id: string } | undefined>;
  /** Up to `limit` objects, newest first (oldest first for a `before` anchor), on the anchor's side. */
  list(filter: Filter, anchor: PageAnchor, limit: number): Promise<T[]>;
}

export interface BindingListFilter {
  merchantId: string;
  customerRef: string;
  state: BindingState | null;
  /** The API key's mode; null: either. */
  livemode: boolean | null;
}

export interface OperationListFilter {
  merchantId: string;
  bindingId: string;
  state: OperationState | null;
  customerRef: string;
  nextChargeGte: Date | null;
  nextChargeLt: Date | null;
  /** The API key's mode; null: either. */
  livemode: boolean | null;
}

/** What a change of one operation produced: the new row and the facts to store with it. */
export interface OperationChange {
  operation: ScheduledOperation;
  facts: RecurringFact[];
  /**
   * The occurrences the stored (active) operation had due by this time, which the scheduler had
   * not reached yet, become charges first, under the terms they came due under: no change drops
   * an occurrence that was already due.
   */
  settleDueAt?: Date;
  /**
   * How those occurrences are recorded: `planned` (an edit: charged as the scheduler would have),
   * `skipped` (a pause or cancel: on the record, never charged).
   */
  settleAs?: 'planned' | 'skipped';
}

/** Storage of card bindings; one binding per payment. */
export interface CardBindingRepository extends PagedReader<BindingListFilter, CardBinding> {
  /** Inserts unless the payment already has a binding; returns the stored one either way. */
  insertOnce(
    binding: NewCardBinding & { failureMessage: string },
  ): Promise<{ binding: CardBinding; inserted: boolean }>;
  findById(merchantId: string, bindingId: string): Promise<CardBinding | undefined>;
  /**
   * Revokes in one transaction, the binding's row locked: `revoke` decides on the binding and its
   * active and paused operations (throwing refuses); the binding, the changed operations and their
   * facts are written together. Undefined when the binding is not this merchant's.
   */
  revoke(
    merchantId: string,
    bindingId: string,
    revoke: (
      binding: CardBinding,
      live: ScheduledOperation[],
    ) => { binding: CardBinding; changes: OperationChange[] } | null,
  ): Promise<
    { binding: CardBinding; canceledOperationIds: string[]; changed: boolean } | undefined
  >;
}

/** Storage of scheduled operations. */
export interface ScheduledOperationRepository
  extends PagedReader<OperationListFilter, ScheduledOperation> {
  /**
   * Creates once per (merchant, idempotency key), in one transaction with the binding's row
   * locked against a concurrent revoke. A key already used answers the stored operation and its
   * request fingerprint without calling `build`; otherwise `build` sees the binding (undefined
   * when not this merchant's) and returns the operation or throws.
   */
  createOnce(input: {
    merchantId: string;
    idempotencyKey: string;
    bindingId: string;
    fingerprint: string;
    build: (binding: CardBinding | undefined) => ScheduledOperation;
  }): Promise<{ operation: ScheduledOperation; created: boolean; fingerprint: string }>;
  findById(merchantId: string, operationId: string): Promise<ScheduledOperation | undefined>;
  /**
   * Changes one operation in a transaction with its row locked: `change` sees the operation and
   * its binding and returns the new operation and its facts, or null for no change (a replay);
   * throwing refuses. Undefined when the operation is not this merchant's.
   */
  update(
    merchantId: string,
    operationId: string,
    change: (operation: ScheduledOperation, binding: CardBinding) => OperationChange | null,
  ): Promise<{ operation: ScheduledOperation; changed: boolean } | undefined>;
}

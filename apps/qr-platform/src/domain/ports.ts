import type { NewQrCode, QrCloseReason, QrCode, QrKind } from './qr-code';
import type { QrCodePayment } from './qr-payment';

/** A page request: rows strictly after the `startingAfter` row, in the listing's order. */
export interface PageRequest {
  limit: number;
  startingAfter: string | undefined;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export interface QrCodeFilter {
  merchantId: string;
  kind: QrKind | undefined;
  livemode: boolean | undefined;
}

/** Storage of issued QR codes; one code per (merchant, idempotency key). */
export interface QrCodeRepository {
  /** Inserts unless the merchant already used the key; returns the stored code either way. */
  insertOnce(code: NewQrCode): Promise<{ qrCode: QrCode; inserted: boolean }>;
  findById(id: string): Promise<QrCode | undefined>;
  findByIdempotencyKey(merchantId: string, idempotencyKey: string): Promise<QrCode | undefined>;
  /** The dynamic code issued for a payment, if any. */
  findByPaymentId(paymentId: string): Promise<QrCode | undefined>;
  /**
   * A merchant's codes, newest first (created_at, then id). `startingAfter` must be one of the
   * merchant's codes; undefined page when it is not.
   */
  list(filter: QrCodeFilter, page: PageRequest): Promise<Page<QrCode> | undefined>;
  /** Marks a dynamic code paid by the payment unless it already is; true when it changed. */
  markPaid(id: string, paymentId: string, at: Date): Promise<boolean>;
  /** Closes an unpaid, open dynamic code; true when it changed. */
  markClosed(id: string, reason: QrCloseReason, at: Date): Promise<boolean>;
}

/** The payments made under codes, one row per payment, as of the newest event seen. */
export interface QrPaymentRepository {
  findByPaymentId(paymentId: string): Promise<QrCodePayment | undefined>;
  /**
   * Inserts the row, or replaces it when `row.sequence` is newer than the stored one; an older or
   * equal sequence changes nothing. Returns the row as stored when it changed, else undefined.
   * Refund events carry the refund's amount, so `keepAmount` leaves a stored amount as it was.
   */
  upsertForward(row: QrCodePayment, keepAmount: boolean): Promise<QrCodePayment | undefined>;
  /** A code's payments newest first; undefined page when `startingAfter` is not one of them. */
  listByCode(qrCodeId: string, page: PageRequest): Promise<Page<QrCodePayment> | undefined>;
  /** Every payment of a code, oldest first (the watch stream's snapshot). */
  allOfCode(qrCodeId: string): Promise<QrCodePayment[]>;
}

/** Tells every instance's watchers, when the surrounding transaction commits, that a row changed. */
export interface QrPaymentNotifier {
  notify(qrCodeId: string, paymentId: string): Promise<void>;
}

/** One change a watcher hears of: the payment's row and its code, as read once per process. */
export interface QrPaymentChange {
  payment: QrCodePayment;
  code: QrCode;
}

/**
 * In-process subscriptions to the changes of one code, fed by one LISTEN connection per process.
 * `resync` is called after the connection was lost and re-established (changes may have been
 * missed in between), so a watcher re-reads what it has.
 */
export interface QrPaymentChanges {
  subscribe(
    qrCodeId: string,
    listener: { change(c: QrPaymentChange): void; resync(): void },
  ): () => void;
}

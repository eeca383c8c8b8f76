import type { CallbackRecord } from '../../callbacks';
import type { CardBehaviour, ResponseCode } from './cards';
import type { InvoiceTerms } from './payment-form';

/** IntellectMoney paymentStatus (§3.4) by the invoice state it reports. */
export const PAYMENT_STATUS = Object.freeze({
  created: '3',
  cancelled: '4',
  paid: '5',
  held: '6',
  partially_paid: '7',
});
export type InvoiceStatus = keyof typeof PAYMENT_STATUS;
export type PaymentStatusCode = (typeof PAYMENT_STATUS)[InvoiceStatus];
export const PAYMENT_STATUS_CODES: readonly string[] = Object.values(PAYMENT_STATUS);

/** One authorization of a card against an invoice; the card only as its mask. */
export interface CardAttempt {
  at: Date;
  cardMask: string;
  responseCode: ResponseCode;
}

/** An IntellectMoney invoice (СКО): from the payment form, or a charge of a bound card. */
export interface Invoice {
  /** IntellectMoney's invoice number: 10 digits starting with 3 (§3.1). */
  paymentId: string;
  createdAt: Date;
  origin: 'form' | 'charge';
  terms: InvoiceTerms;
  status: InvoiceStatus;
  paidAt?: Date;
  card?: { mask: string; brand: string };
  /** Set once a payment asked to remember the card: Activated (with the binding) or Error. */
  recurring?: { state: 'Activated' | 'Error'; bindingId?: string };
  /** A bound-card charge: the binding and, when a schedule fired it, the operation. */
  chargeOf?: { bindingId: string; cronOperationId?: string };
  attempts: CardAttempt[];
  /** Every notification sent for this invoice, in the order sent. */
  notifications: CallbackRecord[];
}

/**
 * A remembered card. Its id is the paymentId of the invoice that bound it, because IntellectMoney
 * schedules charges by that invoice (`ObjectId` of setScheduledOperationData).
 */
export interface CardBinding {
  id: string;
  eshopId: string;
  createdAt: Date;
  cardMask: string;
  brand: string;
  expMonth: number;
  expYear: number;
  behaviour: CardBehaviour;
  currency: string;
  userName: string;
  userEmail: string;
  /** Cancelled after a hard decline (14, 54, 57): no further charges (seed 003). */
  state: 'active' | 'cancelled';
  cancelReason?: string;
  /** Times of soft declines (05, 51, 61, 65), for the 4-in-16-days limit. */
  softDeclines: Date[];
}

/** In-memory invoices and bindings; the sandbox forgets everything on restart. */
export interface InvoiceStore {
  add(terms: InvoiceTerms, origin: Invoice['origin'], now: Date): Invoice;
  get(paymentId: string): Invoice | undefined;
  /** Invoices of one orderId, newest first. */
  byOrderId(orderId: string): Invoice[];
  addBinding(binding: CardBinding): void;
  binding(id: string): CardBinding | undefined;
}

const EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * Invoice numbers `3` + 9 digits, increasing. The counter starts at five per second since 2024, so
 * a restarted sandbox does not reuse numbers unless it issued more than five a second for long.
 */
export function createInvoiceNumbers(clock: () => Date): () => string {
  let last = 0;
  return () => {
    last = Math.max(last + 1, Math.floor((clock().getTime() - EPOCH_MS) / 200));
    return `3${String(last % 1_000_000_000).padStart(9, '0')}`;
  };
}

export function createInvoiceStore(
  nextPaymentId: () => string,
  maxInvoices = 50_000,
): InvoiceStore {
  const byId = new Map<string, Invoice>();
  const byOrder = new Map<string, string[]>();
  const bindings = new Map<string, CardBinding>();
  return {
    add(terms, origin, now) {
      const invoice: Invoice = {
        paymentId: nextPaymentId(),
        createdAt: now,
        origin,
        terms,
        status: 'created',
        attempts: [],
        notifications: [],
      };
      byId.set(invoice.paymentId, invoice);
      byOrder.set(terms.orderId, [...(byOrder.get(terms.orderId) ?? []), invoice.paymentId]);
      while (byId.size > maxInvoices) {
        const oldest = byId.values().next().value;
        if (oldest === undefined) break;
        byId.delete(oldest.paymentId);
        const rest = (byOrder.get(oldest.terms.orderId) ?? []).filter(
          (id) => id !== oldest.paymentId,
        );
        if (rest.length === 0) byOrder.delete(oldest.terms.orderId);
        else byOrder.set(oldest.terms.orderId, rest);
      }
      return invoice;
    },
    get: (paymentId) => byId.get(paymentId),
    byOrderId: (orderId) =>
      (byOrder.get(orderId) ?? []).flatMap((id) => byId.get(id) ?? []).reverse(),
    addBinding(binding) {
      bindings.set(binding.id, binding);
    },
    binding: (id) => bindings.get(id),
  };
}

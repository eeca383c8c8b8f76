import { type CurrencyCode, type Money, toMajorString } from '@tolem/money';

import type { CardBinding } from '../../domain/callback';
import type { ProviderTransaction } from '../../domain/provider-transaction';

/**
 * Currencies IntellectMoney invoices take (protocols.md §6: the SDK's Currency list; `RUR` is
 * the legacy spelling of RUB, `TST` a test pseudo-currency Tolem never sends).
 */
export const INTELLECTMONEY_CURRENCIES: ReadonlySet<CurrencyCode> = new Set([
  'RUB',
  'USD',
  'EUR',
  'KZT',
  'UZS',
  'KGS',
] as CurrencyCode[]);

/** `recipientAmount`: `.` separator, exactly two decimals (number_format(x, 2, '.', '')). */
export function toIntellectMoneyAmount(amount: Money): string {
  return toMajorString(amount);
}

/** Whether a notification's recipientCurrency is the order's (RUR is accepted for RUB). */
export function sameCurrency(received: string, ours: CurrencyCode): boolean {
  return received === ours || (ours === 'RUB' && received === 'RUR');
}

/** serviceName is at most 1024 characters (whole code points, so a cut never splits one). */
export const MAX_SERVICE_NAME_CHARS = 1024;

export function serviceNameOf(description: string, paymentId: string): string {
  const chars = Array.from(description.trim());
  return chars.length === 0
    ? `Payment ${paymentId}`
    : chars.slice(0, MAX_SERVICE_NAME_CHARS).join('');
}

/** paymentStatus values (§3.4). */
export type IntellectMoneyStatus = 'created' | 'cancelled' | 'paid' | 'held' | 'partially_paid';

const STATUS_CODES: Readonly<Record<string, IntellectMoneyStatus>> = {
  '3': 'created',
  '4': 'cancelled',
  '5': 'paid',
  '6': 'held',
  '7': 'partially_paid',
};

export function paymentStatusOf(code: string): IntellectMoneyStatus | undefined {
  return STATUS_CODES[code.trim()];
}

/** `recurringState` of a card-binding payment (§3.5): Activated or Error. */
export function recurringStateOf(value: string | undefined): CardBinding['state'] | undefined {
  switch ((value ?? '').trim().toLowerCase()) {
    case 'activated':
      return 'activated';
    case 'error':
      return 'error';
    default:
      return undefined;
  }
}

/**
 * The last four digits of a card from whatever the provider sent (a masked PAN like
 * `427683******1234`). Only the last four are kept; anything else is dropped, so a full PAN can
 * never reach storage or logs.
 */
export function cardLast4Of(value: string | undefined): string {
  const compact = (value ?? '').replace(/[\s-]/g, '');
  const match = /(\d{4})$/.exec(compact);
  return match?.[1] ?? '';
}

/** Notification fields that may carry the card mask (names vary between integrations). */
export const CARD_MASK_FIELDS = ['cardNumber', 'cardMask', 'maskedPan', 'pan'] as const;

/** Binding attribute values on the transaction (what ChargeBoundCard checks). */
export const ATTR = {
  rememberCard: 'remember_card',
  invoiceId: 'intellectmoney_payment_id',
  paidAt: 'intellectmoney_payment_date',
  recurringState: 'recurring_state',
  cardLast4: 'card_last4',
  bindingRef: 'binding_ref',
  operationId: 'intellectmoney_operation_id',
  /** The RepeatPlan StartAt a charge's operation was created with: how it is found again. */
  chargeStartAt: 'intellectmoney_charge_start_at',
  status: 'intellectmoney_status',
} as const;

/** Decline codes of recurring charges (seed 003): soft may be retried within budget, hard never. */
export const SOFT_DECLINES: ReadonlySet<string> = new Set(['05', '51', '61', '65']);
export const HARD_DECLINES: ReadonlySet<string> = new Set(['14', '54', '57']);

/**
 * Soft or hard for the seed's codes (003: 05, 51, 61, 65 / 14, 54, 57); any other code is not
 * classified here (unknown: DECLINE_KIND_UNSPECIFIED with the code): the recurring service's one
 * decline table decides what a code means for a retry (docs/recurring.md).
 */
export function declineKindOf(code: string): 'soft' | 'hard' | undefined {
  if (SOFT_DECLINES.has(code)) return 'soft';
  if (HARD_DECLINES.has(code)) return 'hard';
  return undefined;
}

/** A two-character response code; the scheme codes are two digits. */
export function normalizeDeclineCode(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const trimmed = text.trim();
  if (!/^[0-9A-Z]{1,3}$/.test(trimmed)) return undefined;
  return /^\d$/.test(trimmed) ? `0${trimmed}` : trimmed;
}

/** Form fields IntellectMoney echoes back in notifications (userFieldName_N / userField_N). */
export const PAYMENT_ID_LABEL = 'tolem_payment_id';
export const PAYMENT_ID_FIELD = 'userField_1';

/**
 * Attributes a merchant sees; the rest (binding bookkeeping) stays in the adapter. The binding
 * state is set only for a binding the adapter believed (bindingOf), and the notifier publishes it
 * as `card_binding_state` (docs/webhooks.md).
 */
export const MERCHANT_ATTRIBUTES = [
  ATTR.invoiceId,
  ATTR.paidAt,
  ATTR.cardLast4,
  ATTR.recurringState,
] as const;

/** The card binding a payment's success stored (its recurringState), as its callback reported it. */
export function storedBinding(tx: ProviderTransaction): CardBinding | undefined {
  if (tx.kind !== 'payment') return undefined;
  const state = tx.attributes[ATTR.recurringState];
  const ref = tx.attributes[ATTR.bindingRef];
  if ((state !== 'activated' && state !== 'error') || !ref) return undefined;
  return { bindingRef: ref, state, cardLast4: tx.attributes[ATTR.cardLast4] ?? '' };
}

export function merchantAttributes(tx: ProviderTransaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of MERCHANT_ATTRIBUTES) {
    const value = tx.attributes[key];
    if (value) out[key] = value;
  }
  return out;
}

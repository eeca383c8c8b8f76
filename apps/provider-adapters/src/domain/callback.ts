import type { Money } from '@tolem/money';

import type { MethodName } from './provider-transaction';

/** A provider's HTTP request exactly as the gateway received it. */
export interface RawCallback {
  method: string;
  path: string;
  /** Raw query string without the leading "?". */
  query: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
}

/** The exact HTTP answer the provider expects. */
export interface HttpReply {
  statusCode: number;
  contentType: string;
  body: Buffer;
}

/** What a callback means for the payment (proto Outcome). */
export type CallbackOutcome =
  | 'succeeded'
  | 'failed'
  | 'pending'
  | 'manual_review'
  | 'precheck_accepted'
  | 'rejected'
  | 'unregistered_qr';

/** A card bound for later charges (proto CardBinding); never card data beyond the last four. */
export interface CardBinding {
  bindingRef: string;
  state: 'activated' | 'error';
  cardLast4: string;
}

/** How the audit log classifies a callback. */
export type CallbackVerdict =
  | 'accepted'
  | 'rejected'
  | 'duplicate'
  | 'precheck_accepted'
  | 'precheck_refused'
  /** Verified money for a QR code no payment is registered under; nothing recorded yet. */
  | 'unregistered_qr';

/**
 * The provider's other two answers, rendered by its adapter so no caller picks a provider's HTTP
 * status: `retry` makes the provider send the callback again later (Tolem could not record the
 * money yet), `refusal` refuses it (for a pre-check: the payment must not go ahead).
 */
export interface AlternativeReplies {
  retryReply: HttpReply;
  refusalReply: HttpReply;
}

/** A verified (or refused) callback, normalized. */
export interface CallbackResult extends AlternativeReplies {
  reply: HttpReply;
  outcome: CallbackOutcome;
  verdict: CallbackVerdict;
  /** Known whenever the callback names an order we have, even when it is refused. */
  paymentId?: string;
  amount?: Money;
  method?: MethodName;
  providerPaymentId?: string;
  attributes: Record<string, string>;
  /** Stable code of why it was refused, e.g. PROVIDER_SIGNATURE_INVALID. */
  reasonCode?: string;
  /** A card binding the callback reported (IntellectMoney recurringState). */
  cardBinding?: CardBinding;
  /** unregistered_qr: the `qr_…` code the bank's confirmation names. */
  qrCodeId?: string;
  /** The card scheme code of a declined bound-card charge. */
  declineCode?: string;
  /**
   * For the log only: why, in words, and which fields were involved. Never values of secrets or
   * signatures.
   */
  diagnostics?: { note: string; fields?: string[]; level: 'info' | 'warn' | 'error' };
}

/** A callback's verdict before its adapter adds the alternative replies. */
export type CallbackDecision = Omit<CallbackResult, keyof AlternativeReplies>;

/** A plain-text reply, the format WebMoney (and most providers) read. */
export function textReply(statusCode: number, text: string): HttpReply {
  return { statusCode, contentType: 'text/plain; charset=utf-8', body: Buffer.from(text, 'utf8') };
}

/** A compact JSON reply (Paykassma wants `{"status":"ok"}`, QR acquirers a QrAcquirerReply). */
export function jsonReply(statusCode: number, value: Record<string, unknown>): HttpReply {
  return {
    statusCode,
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}

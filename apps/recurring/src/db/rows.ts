import type { Knex } from '@tolem/db-kit';
import { money } from '@tolem/money';

import type { BindingState, CardBinding } from '../domain/card-binding';
import type {
  CancelReason,
  OperationState,
  ReceiptCustomer,
  Schedule,
  ScheduledOperation,
} from '../domain/operation';

/** Rows of card_bindings and scheduled_operations and their domain forms, for every repo here. */
export interface CardBindingRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  provider_binding_ref: string;
  state: BindingState;
  card_last4: string;
  first_amount_minor: bigint;
  currency: string;
  customer_ref: string;
  card_expiry: string;
  failure_message: string;
  livemode: boolean;
  revoked_at: Date | null;
  created_at: Date;
}

export function bindingFromRow(row: CardBindingRow): CardBinding {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    providerBindingRef: row.provider_binding_ref,
    state: row.state,
    cardLast4: row.card_last4,
    firstAmount: money(row.first_amount_minor, row.currency),
    customerRef: row.customer_ref,
    cardExpiry: row.card_expiry,
    failureMessage: row.failure_message,
    livemode: row.livemode,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

/** The binding's row, locked for the rest of the transaction; undefined when not this merchant's. */
export async function lockBinding(
  trx: Knex.Transaction,
  merchantId: string,
  bindingId: string,
  mode: 'share' | 'update',
): Promise<CardBinding | undefined> {
  const q = trx<CardBindingRow>('card_bindings').where({ id: bindingId, merchant_id: merchantId });
  const row = (await (mode === 'share' ? q.forShare() : q.forUpdate()).first()) as
    | CardBindingRow
    | undefined;
  return row && bindingFromRow(row);
}

export interface ScheduledOperationRow {
  id: string;
  merchant_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  binding_id: string;
  amount_minor: bigint;
  currency: string;
  description: string;
  schedule_cron: string | null;
  schedule_interval: 'daily' | 'weekly' | 'monthly' | null;
  schedule_day: number;
  schedule_time_of_day: string;
  time_zone: string;
  starts_at: Date;
  ends_at: Date | null;
  fire_on_skip: boolean;
  receipt_customer: ReceiptCustomer;
  metadata: Record<string, string>;
  customer_ref: string;
  livemode: boolean;
  state: OperationState;
  cancel_reason: CancelReason | '';
  cancel_code: string;
  next_charge_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function scheduleFromRow(row: ScheduledOperationRow): Schedule {
  if (row.schedule_cron !== null) {
    return { kind: 'cron', cron: row.schedule_cron, timeZone: row.time_zone };
  }
  return {
    kind: 'interval',
    interval: row.schedule_interval ?? 'daily',
    day: row.schedule_day,
    timeOfDay: row.schedule_time_of_day,
    timeZone: row.time_zone,
  };
}

export function operationFromRow(row: ScheduledOperationRow): ScheduledOperation {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    bindingId: row.binding_id,
    amount: money(row.amount_minor, row.currency),
    description: row.description,
    schedule: scheduleFromRow(row),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    firesOnSkip: row.fire_on_skip,
    receiptCustomer: row.receipt_customer,
    metadata: row.metadata,
    customerRef: row.customer_ref,
    livemode: row.livemode,
    state: row.state,
    cancelReason: row.cancel_reason,
    cancelCode: row.cancel_code,
    nextChargeAt: row.next_charge_at,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns an operation's change may write (identity, key and binding never change). */
export function operationToRow(
  op: ScheduledOperation,
): Omit<
  ScheduledOperationRow,
  | 'id'
  | 'merchant_id'
  | 'idempotency_key'
  | 'request_fingerprint'
  | 'binding_id'
  | 'created_at'
  | 'receipt_customer'
  | 'metadata'
> & { receipt_customer: string; metadata: string } {
  const s = op.schedule;
  return {
    amount_minor: op.amount.amountMinor,
    currency: op.amount.currency,
    description: op.description,
    schedule_cron: s.kind === 'cron' ? s.cron : null,
    schedule_interval: s.kind === 'interval' ? s.interval : null,
    schedule_day: s.kind === 'interval' ? s.day : 0,
    schedule_time_of_day: s.kind === 'interval' ? s.timeOfDay : '00:00',
    time_zone: s.timeZone,
    starts_at: op.startsAt,
    ends_at: op.endsAt,
    fire_on_skip: op.firesOnSkip,
    receipt_customer: JSON.stringify(op.receiptCustomer),
    metadata: JSON.stringify(op.metadata),
    customer_ref: op.customerRef,
    livemode: op.livemode,
    state: op.state,
    cancel_reason: op.cancelReason,
    cancel_code: op.cancelCode,
    next_charge_at: op.nextChargeAt,
    version: op.version,
    updated_at: op.updatedAt,
  };
}

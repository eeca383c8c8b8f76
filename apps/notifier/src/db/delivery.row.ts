import type { Delivery, DeliveryStatus } from '../domain/delivery';

/** A `deliveries` row as PostgreSQL returns it. */
export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  payment_id: string;
  merchant_id: string;
  endpoint_id: string;
  /** bigint in PostgreSQL: node-pg returns it as a string. */
  sequence: string | bigint;
  livemode: boolean;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string;
  delivered_at: Date | null;
  expires_at: Date;
  created_at: Date;
  leased_until?: Date | null;
  first_attempt_at?: Date | null;
  trace_context?: Record<string, string> | null;
}

export function toDomain(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    paymentId: row.payment_id,
    merchantId: row.merchant_id,
    endpointId: row.endpoint_id,
    sequence: BigInt(row.sequence),
    livemode: row.livemode,
    url: row.url,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    ...(row.trace_context ? { traceContext: row.trace_context } : {}),
  };
}

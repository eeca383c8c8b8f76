import {
  AckMode,
  BodyFormat,
  type CreateEndpointRequest,
  type Delivery,
  type DeliveryAttempt,
  DeliveryStatus,
  EndpointStatus,
  type ListDeliveriesRequest,
  type UpdateEndpointRequest,
  type WebhookEndpoint,
} from '@tolem/contracts/notifier';

import { gatewayErrors } from '../errors';
import type {
  AckName,
  CreateEndpointBody,
  DeliveryStatusName,
  FormatName,
  ListDeliveriesQuery,
  UpdateEndpointBody,
} from '../webhook.schemas';
import { limitFrom } from './payment.mapper';

// ---- Wire names <-> proto enums ----

const FORMATS: Record<FormatName, BodyFormat> = {
  json: BodyFormat.BODY_FORMAT_JSON,
  form: BodyFormat.BODY_FORMAT_FORM,
};

const ACKS: Record<AckName, AckMode> = {
  ok: AckMode.ACK_MODE_OK_LOWER,
  OK: AckMode.ACK_MODE_OK_UPPER,
  OK_ORDER: AckMode.ACK_MODE_OK_ORDER,
  YES: AckMode.ACK_MODE_YES,
  CODE_0: AckMode.ACK_MODE_CODE_0,
  ANY_2XX: AckMode.ACK_MODE_ANY_2XX,
};

const DELIVERY_STATUSES: Record<DeliveryStatusName, DeliveryStatus> = {
  pending: DeliveryStatus.DELIVERY_STATUS_PENDING,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  failed: DeliveryStatus.DELIVERY_STATUS_EXHAUSTED,
};

const nameOf = <N extends string, V>(table: Record<N, V>, value: V): N | null =>
  (Object.entries(table) as [N, V][]).find(([, v]) => v === value)?.[0] ?? null;

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

// ---- JSON shapes ----

export function endpointToJson(e: WebhookEndpoint | undefined) {
  if (!e) throw gatewayErrors.create('INTERNAL', 'peer answer lacks endpoint');
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    format: nameOf(FORMATS, e.format) ?? 'json',
    ack: nameOf(ACKS, e.ack) ?? 'ok',
    status: e.status === EndpointStatus.ENDPOINT_STATUS_DISABLED ? 'disabled' : 'enabled',
    disabled_reason: e.disabledReason === '' ? null : e.disabledReason,
    disabled_at: iso(e.disabledAt),
    is_default: e.isDefault,
    livemode: e.livemode,
    max_in_flight: e.maxInFlight,
    previous_secret_expires_at: iso(e.previousSecretExpiresAt),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function deliveryToJson(d: Delivery | undefined) {
  if (!d) throw gatewayErrors.create('INTERNAL', 'peer answer lacks delivery');
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
    endpoint: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    payment: d.paymentId,
    livemode: d.livemode,
    url: d.url,
    status: nameOf(DELIVERY_STATUSES, d.status) ?? 'pending',
    attempt_count: d.attempts,
    last_status_code: d.lastStatusCode === 0 ? null : d.lastStatusCode,
    last_error: d.lastError === '' ? null : d.lastError,
    next_attempt_at: iso(d.nextAttemptAt),
    delivered_at: iso(d.deliveredAt),
    created_at: iso(d.createdAt),
  };
}

export function attemptToJson(a: DeliveryAttempt) {
  return {
    attempted_at: iso(a.attemptedAt),
    url: a.url,
    status_code: a.statusCode === 0 ? null : a.statusCode,
    error: a.error === '' ? null : a.error,
    duration_ms: a.durationMs,
    response_excerpt: a.responseExcerpt,
  };
}

// ---- Requests to the notifier ----

/** An endpoint of the key's merchant and mode: a test key never sees or changes a live one. */
export interface EndpointRef {
  merchantId: string;
  endpointId: string;
  livemode: boolean;
}

export function toCreateEndpointRequest(
  b: CreateEndpointBody,
  merchantId: string,
  livemode: boolean,
  idempotencyKey: string,
): CreateEndpointRequest {
  return {
    merchantId,
    url: b.url,
    description: b.description ?? '',
    eventTypes: b.event_types ?? [],
    format: b.format ? FORMATS[b.format] : BodyFormat.BODY_FORMAT_UNSPECIFIED,
    ack: b.ack ? ACKS[b.ack] : AckMode.ACK_MODE_UNSPECIFIED,
    maxInFlight: b.max_in_flight ?? 0,
    idempotencyKey,
    livemode,
  };
}

/** Only what the body names changes; `setEventTypes` tells an empty list from an absent one. */
export function toUpdateEndpointRequest(
  ref: EndpointRef,
  b: UpdateEndpointBody,
): UpdateEndpointRequest {
  return {
    ...ref,
    ...(b.url !== undefined ? { url: b.url } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    eventTypes: b.event_types ?? [],
    setEventTypes: b.event_types !== undefined,
    format: b.format ? FORMATS[b.format] : BodyFormat.BODY_FORMAT_UNSPECIFIED,
    ack: b.ack ? ACKS[b.ack] : AckMode.ACK_MODE_UNSPECIFIED,
    maxInFlight: b.max_in_flight ?? 0,
  };
}

/** `limit` absent: 0, the notifier's own default page size. */
export function toListDeliveriesRequest(
  q: ListDeliveriesQuery,
  merchantId: string,
  livemode: boolean,
): ListDeliveriesRequest {
  return {
    merchantId,
    endpointId: q.endpoint ?? '',
    paymentId: q.payment ?? '',
    status: q.status ? DELIVERY_STATUSES[q.status] : DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED,
    pageSize: limitFrom(q.limit, 100, 0),
    pageToken: q.cursor ?? '',
    livemode,
  };
}

import { Secret } from '@tolem/config';
import {
  AckMode as PbAckMode,
  BodyFormat as PbBodyFormat,
  type CreateEndpointRequest,
  Delivery as PbDelivery,
  DeliveryAttempt as PbDeliveryAttempt,
  DeliveryStatus as PbStatus,
  Endpoint as PbEndpoint,
  EndpointEvent as PbEndpointEvent,
  EndpointStatus as PbEndpointStatus,
  type ListDeliveriesRequest,
  type UpdateEndpointRequest,
  type UpsertEndpointRequest,
  WebhookEndpoint as PbWebhookEndpoint,
} from '@tolem/contracts/notifier';

import type { ListDeliveriesInput } from '../app/list-deliveries';
import type { CreateEndpointInput, UpdateEndpointInput } from '../app/manage-endpoints';
import type { UpsertEndpointInput } from '../app/upsert-endpoint';
import type { Delivery, DeliveryStatus } from '../domain/delivery';
import type { AckMode, BodyFormat, EndpointEvent, WebhookEndpoint } from '../domain/endpoint';
import { notifierErrors } from '../domain/errors';
import type { StoredAttempt } from '../domain/ports';

export function upsertRequestToDomain(req: UpsertEndpointRequest): UpsertEndpointInput {
  return {
    merchantId: req.merchantId,
    url: req.url.trim(),
    signingSecret: new Secret(req.signingSecret),
    ...(req.previousSigningSecret
      ? {
          previousSigningSecret: new Secret(req.previousSigningSecret),
          previousSecretExpiresAt: req.previousSecretExpiresAt,
        }
      : {}),
  };
}

export function listRequestToDomain(req: ListDeliveriesRequest): ListDeliveriesInput {
  return {
    merchantId: req.merchantId,
    paymentId: req.paymentId,
    endpointId: req.endpointId,
    status: statusFromProto(req.status),
    ...(req.livemode !== undefined ? { livemode: req.livemode } : {}),
    pageSize: req.pageSize,
    pageToken: req.pageToken,
  };
}

/** The secret never leaves the service. */
export function endpointToProto(e: WebhookEndpoint): PbEndpoint {
  return PbEndpoint.fromPartial({ merchantId: e.merchantId, url: e.url, updatedAt: e.updatedAt });
}

function statusToProto(status: DeliveryStatus): PbStatus {
  switch (status) {
    case 'pending':
      return PbStatus.DELIVERY_STATUS_PENDING;
    case 'delivered':
      return PbStatus.DELIVERY_STATUS_DELIVERED;
    case 'exhausted':
      return PbStatus.DELIVERY_STATUS_EXHAUSTED;
  }
}

export function deliveryToProto(d: Delivery): PbDelivery {
  return PbDelivery.fromPartial({
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    paymentId: d.paymentId,
    merchantId: d.merchantId,
    url: d.url,
    status: statusToProto(d.status),
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode ?? 0,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : undefined,
    deliveredAt: d.deliveredAt ?? undefined,
    createdAt: d.createdAt,
    endpointId: d.endpointId,
    livemode: d.livemode,
  });
}

const FORMATS: ReadonlyArray<[PbBodyFormat, BodyFormat]> = [
  [PbBodyFormat.BODY_FORMAT_JSON, 'json'],
  [PbBodyFormat.BODY_FORMAT_FORM, 'form'],
];
const ACKS: ReadonlyArray<[PbAckMode, AckMode]> = [
  [PbAckMode.ACK_MODE_OK_LOWER, 'ok'],
  [PbAckMode.ACK_MODE_OK_UPPER, 'OK'],
  [PbAckMode.ACK_MODE_OK_ORDER, 'OK_ORDER'],
  [PbAckMode.ACK_MODE_YES, 'YES'],
  [PbAckMode.ACK_MODE_CODE_0, 'CODE_0'],
  [PbAckMode.ACK_MODE_ANY_2XX, 'ANY_2XX'],
];

/** Unspecified (0) = not set; an unknown number is refused rather than guessed. */
export function formatFromProto(f: PbBodyFormat): BodyFormat | undefined {
  if (f === PbBodyFormat.BODY_FORMAT_UNSPECIFIED) return undefined;
  const found = FORMATS.find(([pb]) => pb === f);
  if (!found) throw invalidField('format', 'format must be json or form');
  return found[1];
}

export function ackFromProto(a: PbAckMode): AckMode | undefined {
  if (a === PbAckMode.ACK_MODE_UNSPECIFIED) return undefined;
  const found = ACKS.find(([pb]) => pb === a);
  if (!found) throw invalidField('ack', 'unknown ack mode');
  return found[1];
}

function invalidField(field: string, message: string) {
  return notifierErrors.create('NOTIFIER_INVALID_ENDPOINT', message, { details: { field } });
}

export function statusFromProto(s: PbStatus): DeliveryStatus | undefined {
  switch (s) {
    case PbStatus.DELIVERY_STATUS_PENDING:
      return 'pending';
    case PbStatus.DELIVERY_STATUS_DELIVERED:
      return 'delivered';
    case PbStatus.DELIVERY_STATUS_EXHAUSTED:
      return 'exhausted';
    default:
      return undefined;
  }
}

/** The secret never leaves the service here (only CreateEndpoint / RotateEndpointSecret carry it). */
export function webhookEndpointToProto(e: WebhookEndpoint): PbWebhookEndpoint {
  return PbWebhookEndpoint.fromPartial({
    id: e.id,
    merchantId: e.merchantId,
    url: e.url,
    description: e.description,
    isDefault: e.isDefault,
    livemode: e.livemode,
    eventTypes: e.eventTypes,
    format: FORMATS.find(([, f]) => f === e.format)?.[0] ?? PbBodyFormat.BODY_FORMAT_UNSPECIFIED,
    ack: ACKS.find(([, a]) => a === e.ack)?.[0] ?? PbAckMode.ACK_MODE_UNSPECIFIED,
    status:
      e.status === 'enabled'
        ? PbEndpointStatus.ENDPOINT_STATUS_ENABLED
        : PbEndpointStatus.ENDPOINT_STATUS_DISABLED,
    disabledReason: e.disabledReason,
    disabledAt: e.disabledAt ?? undefined,
    maxInFlight: e.maxInFlight,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    previousSecretExpiresAt: e.previousSecretExpiresAt,
    failingSince: e.failingSince ?? undefined,
  });
}

export function createRequestToDomain(req: CreateEndpointRequest): CreateEndpointInput {
  return {
    merchantId: req.merchantId,
    url: req.url.trim(),
    description: req.description,
    eventTypes: req.eventTypes,
    format: formatFromProto(req.format),
    ack: ackFromProto(req.ack),
    maxInFlight: req.maxInFlight,
    idempotencyKey: req.idempotencyKey,
    ...(req.livemode !== undefined ? { livemode: req.livemode } : {}),
  };
}

export function updateRequestToDomain(req: UpdateEndpointRequest): UpdateEndpointInput {
  return {
    merchantId: req.merchantId,
    endpointId: req.endpointId,
    ...(req.url !== undefined ? { url: req.url.trim() } : {}),
    ...(req.description !== undefined ? { description: req.description } : {}),
    ...(req.setEventTypes ? { eventTypes: req.eventTypes } : {}),
    format: formatFromProto(req.format),
    ack: ackFromProto(req.ack),
    ...(req.maxInFlight !== 0 ? { maxInFlight: req.maxInFlight } : {}),
    ...(req.livemode !== undefined ? { livemode: req.livemode } : {}),
  };
}

export function attemptToProto(a: StoredAttempt): PbDeliveryAttempt {
  return PbDeliveryAttempt.fromPartial({
    attemptedAt: a.attemptedAt,
    url: a.url,
    statusCode: a.statusCode ?? 0,
    error: a.error,
    durationMs: a.durationMs,
    responseExcerpt: a.responseSnippet,
  });
}

export function endpointEventToProto(e: EndpointEvent): PbEndpointEvent {
  return PbEndpointEvent.fromPartial({
    id: e.id,
    endpointId: e.endpointId,
    type: e.type,
    deliveryId: e.deliveryId ?? '',
    detail: e.detail,
    createdAt: e.createdAt,
  });
}

import { Secret } from '@tolem/config';
import {
  Delivery as PbDelivery,
  DeliveryStatus as PbStatus,
  Endpoint as PbEndpoint,
  type ListDeliveriesRequest,
  type UpsertEndpointRequest,
} from '@tolem/contracts/notifier';

import type { ListDeliveriesInput } from '../app/list-deliveries';
import type { UpsertEndpointInput } from '../app/upsert-endpoint';
import type { Delivery, DeliveryStatus } from '../domain/delivery';
import type { WebhookEndpoint } from '../domain/endpoint';

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
  });
}

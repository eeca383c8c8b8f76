import {
  CreateEndpointResponse,
  DeleteEndpointResponse,
  DisableEndpointResponse,
  EnableEndpointResponse,
  GetDeliveryResponse,
  GetEndpointResponse,
  ListDeliveriesResponse,
  ListEndpointEventsResponse,
  ListEndpointsResponse,
  type NotifierServiceService,
  RecoverEndpointResponse,
  RedeliverDeliveryResponse,
  RotateEndpointSecretResponse,
  UpdateEndpointResponse,
  UpsertEndpointResponse,
} from '@tolem/contracts/notifier';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeListDeliveries } from '../app/list-deliveries';
import type { ManageEndpoints } from '../app/manage-endpoints';
import type { makeRedeliverDelivery } from '../app/redeliver-delivery';
import type { makeUpsertEndpoint } from '../app/upsert-endpoint';
import {
  attemptToProto,
  createRequestToDomain,
  deliveryToProto,
  endpointEventToProto,
  endpointToProto,
  listRequestToDomain,
  updateRequestToDomain,
  upsertRequestToDomain,
  webhookEndpointToProto,
} from './notifier.mapper';

export interface NotifierHandlerDeps {
  upsertEndpoint: ReturnType<typeof makeUpsertEndpoint>;
  listDeliveries: ReturnType<typeof makeListDeliveries>;
  redeliverDelivery: ReturnType<typeof makeRedeliverDelivery>;
  endpoints: ManageEndpoints;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function notifierHandlers(
  deps: NotifierHandlerDeps,
): Handlers<typeof NotifierServiceService> {
  const e = deps.endpoints;
  return {
    async upsertEndpoint(req) {
      const endpoint = await deps.upsertEndpoint(upsertRequestToDomain(req));
      return UpsertEndpointResponse.fromPartial({ endpoint: endpointToProto(endpoint) });
    },
    async listDeliveries(req) {
      const { deliveries, nextPageToken } = await deps.listDeliveries(listRequestToDomain(req));
      return ListDeliveriesResponse.fromPartial({
        deliveries: deliveries.map(deliveryToProto),
        nextPageToken,
      });
    },
    async redeliverDelivery(req) {
      const delivery = await deps.redeliverDelivery(req.deliveryId, req.merchantId, req.livemode);
      return RedeliverDeliveryResponse.fromPartial({ delivery: deliveryToProto(delivery) });
    },
    async createEndpoint(req) {
      const res = await e.createEndpoint(createRequestToDomain(req));
      return CreateEndpointResponse.fromPartial({
        endpoint: webhookEndpointToProto(res.endpoint),
        signingSecret: res.signingSecret.reveal(),
        replayed: res.replayed,
      });
    },
    async getEndpoint(req) {
      const endpoint = await e.getEndpoint(req.merchantId, req.endpointId, req.livemode);
      return GetEndpointResponse.fromPartial({ endpoint: webhookEndpointToProto(endpoint) });
    },
    async listEndpoints(req) {
      const endpoints = await e.listEndpoints(req.merchantId, req.livemode);
      return ListEndpointsResponse.fromPartial({
        endpoints: endpoints.map(webhookEndpointToProto),
      });
    },
    async updateEndpoint(req) {
      const endpoint = await e.updateEndpoint(updateRequestToDomain(req));
      return UpdateEndpointResponse.fromPartial({ endpoint: webhookEndpointToProto(endpoint) });
    },
    async deleteEndpoint(req) {
      const res = await e.deleteEndpoint(req.merchantId, req.endpointId, req.livemode);
      return DeleteEndpointResponse.fromPartial(res);
    },
    async enableEndpoint(req) {
      const endpoint = await e.enableEndpoint(req.merchantId, req.endpointId, req.livemode);
      return EnableEndpointResponse.fromPartial({ endpoint: webhookEndpointToProto(endpoint) });
    },
    async disableEndpoint(req) {
      const endpoint = await e.disableEndpoint(req.merchantId, req.endpointId, req.livemode);
      return DisableEndpointResponse.fromPartial({ endpoint: webhookEndpointToProto(endpoint) });
    },
    async rotateEndpointSecret(req) {
      const res = await e.rotateSecret(req);
      return RotateEndpointSecretResponse.fromPartial({
        endpoint: webhookEndpointToProto(res.endpoint),
        signingSecret: res.signingSecret.reveal(),
        replayed: res.replayed,
      });
    },
    async getDelivery(req) {
      const res = await e.getDelivery(req.merchantId, req.deliveryId, req.livemode);
      return GetDeliveryResponse.fromPartial({
        delivery: deliveryToProto(res.delivery),
        attempts: res.attempts.map(attemptToProto),
      });
    },
    async recoverEndpoint(req) {
      const recovered = await e.recoverEndpoint(
        req.merchantId,
        req.endpointId,
        req.since,
        req.livemode,
      );
      return RecoverEndpointResponse.fromPartial({ recovered });
    },
    async listEndpointEvents(req) {
      const res = await e.listEndpointEvents(req);
      return ListEndpointEventsResponse.fromPartial({
        events: res.events.map(endpointEventToProto),
        nextPageToken: res.nextPageToken,
      });
    },
  };
}

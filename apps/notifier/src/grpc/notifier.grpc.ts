import {
  ListDeliveriesResponse,
  type NotifierServiceService,
  RedeliverDeliveryResponse,
  UpsertEndpointResponse,
} from '@tolem/contracts/notifier';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeListDeliveries } from '../app/list-deliveries';
import type { makeRedeliverDelivery } from '../app/redeliver-delivery';
import type { makeUpsertEndpoint } from '../app/upsert-endpoint';
import {
  deliveryToProto,
  endpointToProto,
  listRequestToDomain,
  upsertRequestToDomain,
} from './notifier.mapper';

export interface NotifierHandlerDeps {
  upsertEndpoint: ReturnType<typeof makeUpsertEndpoint>;
  listDeliveries: ReturnType<typeof makeListDeliveries>;
  redeliverDelivery: ReturnType<typeof makeRedeliverDelivery>;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function notifierHandlers(
  deps: NotifierHandlerDeps,
): Handlers<typeof NotifierServiceService> {
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
      const delivery = await deps.redeliverDelivery(req.deliveryId);
      return RedeliverDeliveryResponse.fromPartial({ delivery: deliveryToProto(delivery) });
    },
  };
}

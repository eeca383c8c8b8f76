import type { Migration } from '@tolem/db-kit';

import * as createProcessedEvents from './20261201000000_create_processed_events';
import * as createEndpointsAndDeliveries from './20261201000100_create_endpoints_and_deliveries';
import * as endpointSecretRotation from './20261207010000_endpoint_secret_rotation';
import * as webhookEndpoints from './20261208000000_webhook_endpoints';
import * as dispatchLeases from './20261208000100_dispatch_leases';
import * as webhookEndpointManagement from './20261208000200_webhook_endpoint_management';
import * as dropSupersededDeliveryIndexes from './20261208000300_drop_superseded_delivery_indexes';
import * as deliveryTraceContext from './20261208000400_delivery_trace_context';
import * as endpointSecretRotations from './20261209000000_endpoint_secret_rotations';
import * as endpointAndDeliveryModes from './20261210000000_endpoint_and_delivery_modes';
import * as targetedClaims from './20261211000000_targeted_claims';

/** Every migration of this service, by name; never edit one once merged. */
export const migrations: Record<string, Migration> = {
  '20261201000000_create_processed_events': createProcessedEvents,
  '20261201000100_create_endpoints_and_deliveries': createEndpointsAndDeliveries,
  '20261207010000_endpoint_secret_rotation': endpointSecretRotation,
  '20261208000000_webhook_endpoints': webhookEndpoints,
  '20261208000100_dispatch_leases': dispatchLeases,
  '20261208000200_webhook_endpoint_management': webhookEndpointManagement,
  '20261208000300_drop_superseded_delivery_indexes': dropSupersededDeliveryIndexes,
  '20261208000400_delivery_trace_context': deliveryTraceContext,
  '20261209000000_endpoint_secret_rotations': endpointSecretRotations,
  '20261210000000_endpoint_and_delivery_modes': endpointAndDeliveryModes,
  '20261211000000_targeted_claims': targetedClaims,
};

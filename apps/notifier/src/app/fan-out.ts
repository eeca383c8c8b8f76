import { newId } from '@tolem/ids';
import { traceHeaders } from '@tolem/observability';

import type { NewDelivery } from '../domain/delivery';
import { isSubscribed, receivesMode, type WebhookEndpoint } from '../domain/endpoint';
import { buildBody, livemodeOf } from '../domain/payload';
import type {
  DeliveryRepository,
  NotifierRepositories,
  StoredNotificationEvent,
} from '../domain/ports';

/**
 * One pending delivery of the event per subscribed endpoint, due now, with the body built once in
 * the endpoint's format (the bytes every attempt sends and signs). Disabled endpoints get theirs
 * too: they wait until the endpoint is enabled again or their window closes. Returns how many were
 * new (a redelivered event finds its deliveries already there).
 */
export async function fanOut(
  deliveries: DeliveryRepository,
  event: StoredNotificationEvent,
  endpoints: WebhookEndpoint[],
  now: Date,
  retryWindowMs: number,
): Promise<number> {
  return deliveries.insertMany(deliveriesOf(event, endpoints, now, retryWindowMs));
}

function deliveriesOf(
  event: StoredNotificationEvent,
  endpoints: WebhookEndpoint[],
  now: Date,
  retryWindowMs: number,
): NewDelivery[] {
  // The trace of the event's handling: every attempt, retries included, continues it.
  const trace = traceHeaders();
  const livemode = livemodeOf(event.data);
  return endpoints
    .filter(
      (endpoint) => isSubscribed(endpoint, event.eventType) && receivesMode(endpoint, livemode),
    )
    .map((endpoint) => ({
      id: newId('dlv'),
      eventId: event.eventId,
      eventType: event.eventType,
      paymentId: event.paymentId,
      merchantId: event.merchantId,
      endpointId: endpoint.id,
      sequence: event.sequence,
      livemode,
      url: endpoint.url,
      payload: buildBody(event.data, endpoint.format),
      nextAttemptAt: now,
      expiresAt: new Date(now.getTime() + retryWindowMs),
      createdAt: now,
      ...(trace['traceparent'] ? { traceContext: trace } : {}),
    }));
}

/**
 * Whether an event counts as routed with these endpoints: one takes its mode. A test endpoint
 * does not take live events, so a live endpoint created later still gets them (routeUnrouted).
 */
export function isRoutedTo(endpoints: WebhookEndpoint[], data: StoredNotificationEvent['data']) {
  const livemode = livemodeOf(data);
  return endpoints.some((endpoint) => receivesMode(endpoint, livemode));
}

/** Events whose deliveries are built and inserted together when a backlog is routed. */
const ROUTE_SLICE = 1_000;

/**
 * Routes the merchant's events recorded while it had no endpoint of their mode, still inside the
 * retry window, to its endpoints now (call in the transaction that created an endpoint). Returns
 * the number of deliveries made.
 */
export async function routeUnrouted(
  repos: NotifierRepositories,
  merchantId: string,
  now: Date,
  retryWindowMs: number,
): Promise<number> {
  await repos.events.lockMerchant(merchantId, 'exclusive');
  const endpoints = await repos.endpoints.listForMerchant(merchantId);
  if (endpoints.length === 0) return 0;
  const events = await repos.events.listUnrouted(
    merchantId,
    new Date(now.getTime() - retryWindowMs),
  );
  let made = 0;
  // A slice at a time: 72 h of a busy merchant's events is many bodies to hold at once.
  for (let i = 0; i < events.length; i += ROUTE_SLICE) {
    made += await repos.deliveries.insertMany(
      events
        .slice(i, i + ROUTE_SLICE)
        .flatMap((event) => deliveriesOf(event, endpoints, now, retryWindowMs)),
    );
  }
  // An event of a mode none of the endpoints takes waits for an endpoint of its mode.
  const routed = events.filter((e) => isRoutedTo(endpoints, e.data));
  await repos.events.markRouted(routed.map((e) => e.eventId));
  return made;
}

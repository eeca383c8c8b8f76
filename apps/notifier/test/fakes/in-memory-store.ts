import { Secret } from '@tolem/config';
import { newId } from '@tolem/ids';

import type { Delivery } from '../../src/domain/delivery';
import type { WebhookEndpoint } from '../../src/domain/endpoint';
import type {
  Clock,
  DeliveryRepository,
  EndpointRepository,
  NotificationEventRepository,
  NotifierRepositories,
  StoredNotificationEvent,
  Transactor,
} from '../../src/domain/ports';

/** An endpoint with the schema's defaults; tests override what they care about. */
export function anEndpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  const at = new Date('2026-03-01T10:00:00.000Z');
  return {
    id: newId('we'),
    merchantId: 'mer_1',
    url: 'https://m.example/hook',
    description: '',
    isDefault: false,
    eventTypes: [],
    format: 'json',
    ack: 'ok',
    status: 'enabled',
    disabledReason: '',
    disabledAt: null,
    failingSince: null,
    maxInFlight: 4,
    signingSecret: new Secret('whsec_MDEyMzQ1Njc4OWFiY2RlZg=='),
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/**
 * In-memory endpoints, events and deliveries with the same contract as the knex repos (no
 * ordering SQL, no locks: tests run one thing at a time; a transaction is just the call).
 */
export function inMemoryStore() {
  const endpointRows = new Map<string, WebhookEndpoint>();
  const eventRows = new Map<string, StoredNotificationEvent>();
  const deliveryRows = new Map<string, Delivery>();

  const endpoints: EndpointRepository = {
    async getDefault(merchantId) {
      return [...endpointRows.values()].find((e) => e.merchantId === merchantId && e.isDefault);
    },
    async listForMerchant(merchantId) {
      return [...endpointRows.values()]
        .filter((e) => e.merchantId === merchantId)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async upsertDefault(input) {
      const current = await endpoints.getDefault(input.merchantId);
      const { previousSigningSecret, previousSecretExpiresAt } = input;
      const next: WebhookEndpoint = {
        ...(current ??
          anEndpoint({ merchantId: input.merchantId, isDefault: true, createdAt: input.now })),
        url: input.url,
        signingSecret: input.signingSecret,
        previousSigningSecret,
        previousSecretExpiresAt,
        updatedAt: input.now,
      };
      endpointRows.set(next.id, next);
      return next;
    },
  };

  const events: NotificationEventRepository = {
    async lockMerchant() {},
    async insertOnce(e) {
      if (eventRows.has(e.eventId)) return false;
      eventRows.set(e.eventId, { ...e });
      return true;
    },
    async listUnrouted(merchantId, since) {
      return [...eventRows.values()].filter(
        (e) => e.merchantId === merchantId && !e.routed && e.createdAt >= since,
      );
    },
    async markRouted(ids) {
      for (const id of ids) {
        const e = eventRows.get(id);
        if (e) e.routed = true;
      }
    },
  };

  const deliveries: DeliveryRepository = {
    async insertOnce(d) {
      if (
        [...deliveryRows.values()].some(
          (r) => r.eventId === d.eventId && r.endpointId === d.endpointId,
        )
      )
        return false;
      deliveryRows.set(d.id, {
        ...d,
        status: 'pending',
        attempts: 0,
        lastStatusCode: null,
        lastError: '',
        deliveredAt: null,
      });
      return true;
    },
    async get(id) {
      const d = deliveryRows.get(id);
      return d ? { ...d } : undefined;
    },
    async list(q) {
      return [...deliveryRows.values()]
        .filter((d) => d.merchantId === q.merchantId)
        .filter((d) => !q.paymentId || d.paymentId === q.paymentId)
        .filter((d) => !q.beforeId || d.id < q.beforeId)
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, q.limit)
        .map((d) => ({ ...d }));
    },
    async requeue(id, changes) {
      const d = deliveryRows.get(id);
      if (!d) return undefined;
      Object.assign(d, {
        status: 'pending',
        nextAttemptAt: changes.now,
        expiresAt: changes.expiresAt,
        url: changes.url,
        deliveredAt: null,
      });
      return { ...d };
    },
  };

  const repos: NotifierRepositories = { endpoints, events, deliveries };
  const transactor: Transactor = { transact: (work) => work(repos) };
  /** Puts an endpoint in place as a test's precondition. */
  const addEndpoint = (overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint => {
    const e = anEndpoint(overrides);
    endpointRows.set(e.id, e);
    return e;
  };

  return {
    ...repos,
    transactor,
    addEndpoint,
    deliveryRows,
    eventRows,
    endpointRows,
  };
}

/** A clock tests move by hand. */
export function manualClock(
  start = new Date('2026-03-01T10:00:00.000Z'),
): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

/** A merchant that answers from a script (the last answer repeats) and records every request. */

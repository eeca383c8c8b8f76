import { Secret } from '@tolem/config';
import { newId } from '@tolem/ids';

import type { Delivery } from '../../src/domain/delivery';
import type { EndpointEvent, WebhookEndpoint } from '../../src/domain/endpoint';
import type {
  Clock,
  DeliveryQueries,
  DeliveryRepository,
  EndpointEventRepository,
  EndpointRepository,
  NotificationEventRepository,
  NotifierRepositories,
  SecretRotation,
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
    livemode: true,
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
  const deletedIds = new Set<string>();
  const idempotencyKeys = new Map<string, string>();
  const endpointEventRows: EndpointEvent[] = [];
  const eventRows = new Map<string, StoredNotificationEvent>();
  const deliveryRows = new Map<string, Delivery>();
  /** Attempts a test seeds (the dispatcher's recording is tested on PostgreSQL). */
  const attempts: {
    deliveryId: string;
    attemptedAt: Date;
    statusCode: number | null;
    error: string;
    durationMs: number;
    responseSnippet: string;
  }[] = [];
  const addAttempt = (a: (typeof attempts)[number]) => {
    attempts.push(a);
    const d = deliveryRows.get(a.deliveryId);
    if (d) d.attempts += 1;
  };

  const rotations = new Map<string, SecretRotation>();
  const endpoints: EndpointRepository = {
    async getDefault(merchantId) {
      return [...endpointRows.values()].find((e) => e.merchantId === merchantId && e.isDefault);
    },
    async listForMerchant(merchantId) {
      return [...endpointRows.values()]
        .filter((e) => e.merchantId === merchantId && !deletedIds.has(e.id))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async get(merchantId, id) {
      const e = endpointRows.get(id);
      return e && e.merchantId === merchantId && !deletedIds.has(id) ? { ...e } : undefined;
    },
    async findByIdempotencyKey(merchantId, key) {
      const id = idempotencyKeys.get(`${merchantId}/${key}`);
      return id ? endpointRows.get(id) : undefined;
    },
    async insert(e, key) {
      endpointRows.set(e.id, { ...e });
      if (key) idempotencyKeys.set(`${e.merchantId}/${key}`, e.id);
      return { ...e };
    },
    async update(merchantId, id, patch) {
      const e = await endpoints.get(merchantId, id);
      if (!e) return undefined;
      const { previousSigningSecret, previousSecretExpiresAt, ...rest } = patch;
      const next: WebhookEndpoint = {
        ...e,
        ...(Object.fromEntries(
          Object.entries(rest).filter(([, v]) => v !== undefined),
        ) as Partial<WebhookEndpoint>),
        ...(previousSigningSecret !== undefined
          ? { previousSigningSecret: previousSigningSecret ?? undefined }
          : {}),
        ...(previousSecretExpiresAt !== undefined
          ? { previousSecretExpiresAt: previousSecretExpiresAt ?? undefined }
          : {}),
        updatedAt: patch.updatedAt,
      };
      endpointRows.set(id, next);
      return { ...next };
    },
    async claimRotation(r) {
      const key = `${r.endpointId}/${r.idempotencyKey}`;
      if (rotations.has(key)) return false;
      rotations.set(key, { ...r });
      return true;
    },
    async rotationOf(endpointId, idempotencyKey) {
      const r = rotations.get(`${endpointId}/${idempotencyKey}`);
      return r ? { ...r } : undefined;
    },
    async rotatedElsewhereWith(merchantId, idempotencyKey, endpointId) {
      return [...rotations.values()].find(
        (r) =>
          r.idempotencyKey === idempotencyKey &&
          r.endpointId !== endpointId &&
          endpointRows.get(r.endpointId)?.merchantId === merchantId,
      )?.endpointId;
    },
    async markDeleted(merchantId, id, now) {
      const e = await endpoints.get(merchantId, id);
      if (!e) return false;
      deletedIds.add(id);
      endpointRows.set(id, {
        ...e,
        status: 'disabled',
        disabledReason: 'deleted',
        disabledAt: now,
      });
      return true;
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
    async insertMany(ds) {
      let inserted = 0;
      for (const d of ds) {
        if (
          [...deliveryRows.values()].some(
            (r) => r.eventId === d.eventId && r.endpointId === d.endpointId,
          )
        )
          continue;
        deliveryRows.set(d.id, {
          ...d,
          status: 'pending',
          attempts: 0,
          lastStatusCode: null,
          lastError: '',
          deliveredAt: null,
        });
        inserted += 1;
      }
      return inserted;
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

  const endpointEvents: EndpointEventRepository = {
    async insert(e) {
      endpointEventRows.push({ ...e });
    },
    async list(endpointId, beforeId, limit) {
      return endpointEventRows
        .filter((e) => e.endpointId === endpointId && (!beforeId || e.id < beforeId))
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, limit);
    },
  };

  const requeue = (d: Delivery, now: Date, expiresAt: Date) =>
    Object.assign(d, { status: 'pending', nextAttemptAt: now, expiresAt, deliveredAt: null });

  const deliveryQueries: DeliveryQueries = {
    async list(f) {
      return [...deliveryRows.values()]
        .filter((d) => d.merchantId === f.merchantId)
        .filter((d) => !f.paymentId || d.paymentId === f.paymentId)
        .filter((d) => !f.endpointId || d.endpointId === f.endpointId)
        .filter((d) => !f.status || d.status === f.status)
        .filter((d) => f.livemode === undefined || d.livemode === f.livemode)
        .filter((d) => !f.beforeId || d.id < f.beforeId)
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .slice(0, f.limit)
        .map((d) => ({ ...d }));
    },
    async get(merchantId, id) {
      const d = deliveryRows.get(id);
      return d && (!merchantId || d.merchantId === merchantId) ? { ...d } : undefined;
    },
    async attempts(deliveryId) {
      return attempts
        .filter((a) => a.deliveryId === deliveryId)
        .map((a) => ({
          attemptedAt: a.attemptedAt,
          url: '',
          statusCode: a.statusCode,
          error: a.error,
          durationMs: a.durationMs,
          responseSnippet: a.responseSnippet,
        }));
    },
    async redeliver(id, now, expiresAt) {
      const d = deliveryRows.get(id);
      return d ? { ...requeue(d, now, expiresAt) } : undefined;
    },
    async recoverExhausted(endpointId, since, now, expiresAt, livemode) {
      let n = 0;
      for (const d of deliveryRows.values()) {
        if (
          d.endpointId === endpointId &&
          d.status === 'exhausted' &&
          d.createdAt >= since &&
          (livemode === undefined || d.livemode === livemode)
        ) {
          requeue(d, now, expiresAt);
          n += 1;
        }
      }
      return n;
    },
    async cancelPending(endpointId, reason) {
      let n = 0;
      for (const d of deliveryRows.values()) {
        if (d.endpointId === endpointId && d.status === 'pending') {
          Object.assign(d, { status: 'exhausted', lastError: reason });
          n += 1;
        }
      }
      return n;
    },
  };

  const repos: NotifierRepositories = {
    endpoints,
    events,
    deliveries,
    endpointEvents,
    deliveryQueries,
  };
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
    addAttempt,
    deliveryRows,
    eventRows,
    endpointRows,
    endpointEventRows,
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

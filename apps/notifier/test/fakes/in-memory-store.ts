import type { Delivery, Endpoint } from '../../src/domain/delivery';
import type {
  AttemptRecord,
  Clock,
  DeliveryRepository,
  EndpointRepository,
  HttpOutcome,
  MerchantHttp,
} from '../../src/domain/ports';

/** In-memory endpoints + deliveries with the same contract as the knex repos (no ordering SQL). */
export function inMemoryStore() {
  const endpointRows = new Map<string, Endpoint>();
  const deliveryRows = new Map<string, Delivery>();
  const attempts: AttemptRecord[] = [];

  const endpoints: EndpointRepository = {
    async get(merchantId) {
      return endpointRows.get(merchantId);
    },
    async upsert(endpoint) {
      endpointRows.set(endpoint.merchantId, endpoint);
      for (const d of deliveryRows.values()) {
        if (d.merchantId === endpoint.merchantId && d.status === 'pending' && d.url === '')
          d.url = endpoint.url;
      }
      return endpoint;
    },
  };

  const deliveries: DeliveryRepository = {
    async insertOnce(d) {
      if ([...deliveryRows.values()].some((r) => r.eventId === d.eventId)) return false;
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
    async claimDue(now, limit, leaseUntil) {
      const due = [...deliveryRows.values()]
        .filter((d) => d.status === 'pending' && d.url !== '' && d.nextAttemptAt <= now)
        .slice(0, limit);
      return due.flatMap((d) => {
        const endpoint = endpointRows.get(d.merchantId);
        if (!endpoint) return [];
        d.nextAttemptAt = leaseUntil;
        const overlapping =
          endpoint.previousSigningSecret &&
          endpoint.previousSecretExpiresAt &&
          endpoint.previousSecretExpiresAt.getTime() > now.getTime();
        return [
          {
            delivery: { ...d },
            signingSecret: endpoint.signingSecret,
            ...(overlapping ? { previousSigningSecret: endpoint.previousSigningSecret } : {}),
          },
        ];
      });
    },
    async recordAttempt(a) {
      attempts.push(a);
      const d = deliveryRows.get(a.deliveryId);
      if (!d || d.status !== 'pending') return;
      d.attempts += 1;
      d.status = a.status;
      d.nextAttemptAt = a.nextAttemptAt;
      d.lastStatusCode = a.statusCode;
      d.lastError = a.error;
      d.deliveredAt = a.status === 'delivered' ? a.attemptedAt : null;
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
    async routeUnrouted() {
      let n = 0;
      for (const d of deliveryRows.values()) {
        const endpoint = endpointRows.get(d.merchantId);
        if (d.status === 'pending' && d.url === '' && endpoint) {
          d.url = endpoint.url;
          n += 1;
        }
      }
      return n;
    },
    async expireUnroutable(now) {
      let n = 0;
      for (const d of deliveryRows.values()) {
        if (d.status === 'pending' && d.url === '' && d.expiresAt <= now) {
          d.status = 'exhausted';
          n += 1;
        }
      }
      return n;
    },
  };

  return { endpoints, deliveries, attempts, deliveryRows };
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
export function scriptedMerchant(answers: HttpOutcome[]): MerchantHttp & {
  requests: { url: string; headers: Record<string, string>; body: string }[];
} {
  const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
  return {
    requests,
    async post({ url, headers, body }) {
      requests.push({ url, headers, body });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
      if (!answer) throw new Error('no scripted answer');
      return answer;
    },
  };
}

export const answer = (statusCode: number, body: string): HttpOutcome => ({
  kind: 'response',
  statusCode,
  body,
  durationMs: 3,
});

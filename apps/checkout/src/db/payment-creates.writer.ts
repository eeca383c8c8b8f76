import { createGroupCommitter, type Outcome } from '@tolem/batching';
import type { Knex } from '@tolem/db-kit';

import { type Canonical, canonicalValue } from '../domain/fingerprint';
import type { Payment, PaymentTransition } from '../domain/payment';
import type { CreatePaymentResult, IdempotencyRecord } from '../domain/ports';
import { statusEventToJson } from './status-events.repo';

/** One create as the use case hands it to the repository. */
export interface PaymentCreate {
  payment: Payment;
  idempotency: Omit<IdempotencyRecord, 'paymentId' | 'merchantId'>;
  transition: PaymentTransition;
}

export interface PaymentCreatesOptions {
  /** Batches (statements) in flight at once. */
  lanes?: number;
  /** Most creates written by one statement. */
  maxBatch?: number;
}

/** The pg client under a knex pool connection: named statements need it directly. */
interface PgConnection {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: { payment_id: string }[] }>;
}

interface IdempotencyRow {
  merchant_id: string;
  key: string;
  request_fingerprint: string;
  request: Record<string, Canonical>;
  payment_id: string;
}

/**
 * One statement per batch: claim every idempotency key, insert the payments whose key was
 * claimed, and their first transitions. It runs as its own (implicit) transaction, so a batch
 * is all or nothing and costs one round trip and one commit. Input rows are sorted by key, so
 * two writers (other replicas) claim overlapping keys in the same order and cannot deadlock.
 * A key taken by a concurrent writer makes ON CONFLICT wait for that writer's commit, then skip.
 */
const INSERT_BATCH_SQL = `
with input as (
  select * from jsonb_to_recordset($1::jsonb) as i(
    id text, merchant_id text, key text, request_fingerprint text, request jsonb,
    amount_minor bigint, currency text, order_id text, description text, success_url text,
    fail_url text, metadata jsonb, page_secret text, livemode boolean, customer_ref text,
    initiator text, status text, method text, provider text,
    provider_payment_id text, provider_attributes jsonb, failure_code text,
    succeeded_at timestamptz, version int, created_at timestamptz, updated_at timestamptz,
    expires_at timestamptz, from_status text, to_status text, reason text, at timestamptz,
    ledger_event jsonb, trace_parent text)
),
claimed as (
  insert into idempotency_keys (merchant_id, key, request_fingerprint, request, payment_id, created_at)
  select merchant_id, key, request_fingerprint, request, id, created_at
    from input order by merchant_id, key
  on conflict (merchant_id, key) do nothing
  returning payment_id
),
payments_in as (
  insert into payments (id, merchant_id, amount_minor, currency, order_id, description,
    success_url, fail_url, metadata, page_secret, livemode, customer_ref, initiator, status, method,
    provider, provider_payment_id,
    provider_attributes, failure_code, succeeded_at, updated_at, version, created_at, expires_at,
    trace_parent)
  select i.id, i.merchant_id, i.amount_minor, i.currency, i.order_id, i.description,
    i.success_url, i.fail_url, i.metadata, i.page_secret, i.livemode, i.customer_ref, i.initiator,
    i.status, i.method, i.provider,
    i.provider_payment_id, i.provider_attributes, i.failure_code, i.succeeded_at, i.updated_at,
    i.version, i.created_at, i.expires_at, i.trace_parent
    from input i join claimed c on c.payment_id = i.id
  returning id
),
transitions_in as (
  insert into payment_transitions (payment_id, from_status, to_status, reason, at, ledger_event)
  select i.id, i.from_status, i.to_status, i.reason, i.at, i.ledger_event
    from input i join payments_in p on p.id = i.id
)
select payment_id from claimed`;

function inputRow({ payment: p, idempotency, transition: t }: PaymentCreate) {
  return {
    id: p.id,
    merchant_id: p.merchantId,
    key: idempotency.key,
    request_fingerprint: idempotency.requestFingerprint,
    request: canonicalValue(idempotency.request),
    amount_minor: p.amount.amountMinor.toString(),
    currency: p.amount.currency,
    order_id: p.orderId,
    description: p.description,
    success_url: p.successUrl,
    fail_url: p.failUrl,
    metadata: p.metadata,
    page_secret: p.pageSecret,
    livemode: p.livemode,
    customer_ref: p.customerRef,
    trace_parent: p.traceParent ?? null,
    initiator: p.initiator,
    status: p.status,
    method: p.method,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    provider_attributes: p.providerAttributes,
    failure_code: p.failureCode,
    succeeded_at: p.succeededAt?.toISOString() ?? null,
    version: p.version,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    expires_at: p.expiresAt.toISOString(),
    from_status: t.from,
    to_status: t.to,
    reason: t.reason,
    at: t.at.toISOString(),
    ledger_event: t.event ? statusEventToJson(t.event) : null,
  };
}

const keyOf = (merchantId: string, key: string) => `${merchantId}\u0000${key}`;

/**
 * Writes payment creates with group commit: concurrent creates queue while a batch is written
 * and the next batch takes them all in one statement and one commit. A create whose key is
 * already taken (before, by a concurrent writer, or earlier in its own batch) writes nothing
 * and gets the key's record, exactly as when written alone.
 */
export function createPaymentCreatesWriter(db: Knex, options: PaymentCreatesOptions = {}) {
  async function readRecords(
    pairs: { merchantId: string; key: string }[],
  ): Promise<Map<string, IdempotencyRow>> {
    if (pairs.length === 0) return new Map();
    // A new statement, so a new snapshot: it sees the rows of the writers ON CONFLICT waited for.
    const rows = (await db<IdempotencyRow>('idempotency_keys')
      .select('merchant_id', 'key', 'request_fingerprint', 'request', 'payment_id')
      .whereIn(
        ['merchant_id', 'key'],
        pairs.map((p) => [p.merchantId, p.key]),
      )) as IdempotencyRow[];
    return new Map(rows.map((r) => [keyOf(r.merchant_id, r.key), r]));
  }

  async function writeBatch(items: PaymentCreate[]): Promise<Outcome<CreatePaymentResult>[]> {
    // A key twice in one batch: the first claims it, the later ones answer as replays of it.
    const first = new Map<string, PaymentCreate>();
    for (const item of items) {
      const k = keyOf(item.payment.merchantId, item.idempotency.key);
      if (!first.has(k)) first.set(k, item);
    }
    const unique = [...first.values()];
    const conn = (await db.client.acquireConnection()) as PgConnection;
    let rows: { payment_id: string }[];
    try {
      // A named statement is parsed and planned once per connection, not per batch.
      ({ rows } = await conn.query({
        name: 'checkout_payment_creates_v3',
        text: INSERT_BATCH_SQL,
        values: [JSON.stringify(unique.map(inputRow))],
      }));
    } finally {
      await db.client.releaseConnection(conn);
    }
    const claimed = new Set(rows.map((r) => r.payment_id));
    const lost = items.filter((item) => !claimed.has(item.payment.id));
    const records = await readRecords(
      lost.map((item) => ({ merchantId: item.payment.merchantId, key: item.idempotency.key })),
    );
    return items.map((item): Outcome<CreatePaymentResult> => {
      if (claimed.has(item.payment.id)) {
        return { ok: true, value: { created: true, payment: item.payment } };
      }
      const row = records.get(keyOf(item.payment.merchantId, item.idempotency.key));
      if (!row) {
        return { ok: false, error: new Error('idempotency record vanished after a conflict') };
      }
      return {
        ok: true,
        value: {
          created: false,
          record: {
            merchantId: row.merchant_id,
            key: row.key,
            requestFingerprint: row.request_fingerprint,
            request: row.request,
            paymentId: row.payment_id,
          },
        },
      };
    });
  }

  let lane = 0;
  let laneScheduled = false;
  const committer = createGroupCommitter<PaymentCreate, CreatePaymentResult>({
    lanes: options.lanes ?? 4,
    maxBatch: options.maxBatch ?? 200,
    // Creates submitted in one macrotask (the items of one CreatePayments call) share a lane,
    // so they travel in one statement; the next macrotask's take the next lane. Two lanes may
    // hold the same key: the later statement waits for the earlier one's commit on the key
    // and answers as a replay (keys are claimed in sorted order, so they cannot deadlock).
    laneOf: () => {
      if (!laneScheduled) {
        laneScheduled = true;
        setImmediate(() => {
          laneScheduled = false;
          lane += 1;
        });
      }
      return lane;
    },
    writeBatch,
    // A batch that failed as a whole (a bad row) is retried item by item: each gets its own answer.
    async writeOne(item) {
      const [outcome] = await writeBatch([item]);
      if (!outcome) throw new Error('no outcome for a create');
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
  });

  return {
    create: (item: PaymentCreate) => committer.submit(item),
    drain: () => committer.drain(),
  };
}

import { newId } from '@tolem/ids';

import type { CallbackVerdict, RawCallback } from '../domain/callback';
import type {
  CallbackLog,
  EventLog,
  ProviderHttp,
  ProviderHttpRequest,
  ProviderHttpResponse,
  ProviderTransactionRepository,
  SettledPosition,
} from '../domain/ports';
import { OPEN_STATUSES, type ProviderTransaction } from '../domain/provider-transaction';

/** A keyset page of `all` in (`at`, id) order, as the repository's, with positions. */
function inOrder(
  all: ProviderTransaction[],
  at: (r: ProviderTransaction) => Date,
  page: { after: SettledPosition | null; before: Date; limit: number },
) {
  const micros = (d: Date) => BigInt(d.getTime()) * 1000n;
  const { after } = page;
  const later = (r: ProviderTransaction) =>
    !after ||
    micros(at(r)) > after.atMicros ||
    (micros(at(r)) === after.atMicros && r.id > after.id);
  return all
    .filter((r) => at(r).getTime() <= page.before.getTime() && later(r))
    .sort((a, b) => at(a).getTime() - at(b).getTime() || a.id.localeCompare(b.id))
    .slice(0, page.limit)
    .map((transaction) => ({
      transaction,
      position: { atMicros: micros(at(transaction)), id: transaction.id },
    }));
}

/**
 * In-memory ports for unit tests (no I/O). Same contracts as the knex repositories, including the
 * uniqueness of (provider, payment), (provider, provider_payment_id), (provider, external_ref)
 * and (provider, idempotency_key).
 */
export function inMemoryTransactions(options: { firstOrderNo?: bigint } = {}) {
  const rows = new Map<string, ProviderTransaction>();
  const extraRecordedAt = new Map<string, Date>();
  let nextOrderNo = options.firstOrderNo ?? 1n;
  let tick = 0;
  const clone = (tx: ProviderTransaction): ProviderTransaction => ({
    ...tx,
    attributes: { ...tx.attributes },
    extraTransfers: tx.extraTransfers.map((t) => ({ ...t, attributes: { ...t.attributes } })),
  });
  const find = (pred: (r: ProviderTransaction) => boolean) => {
    const tx = [...rows.values()].find(pred);
    return tx ? clone(tx) : undefined;
  };
  // Strictly increasing times, so "latest" is well defined within one millisecond.
  const now = () => new Date(Date.now() + tick++);
  const taken = (
    id: string,
    provider: string,
    field: 'providerPaymentId' | 'externalRef',
    value: string | undefined,
  ) =>
    value !== undefined &&
    [...rows.values()].some((r) => r.id !== id && r.provider === provider && r[field] === value);

  const repo: ProviderTransactionRepository & {
    rows: Map<string, ProviderTransaction>;
    /** Forces the next order number, to replay recorded notifications. */
    setNextOrderNo(orderNo: bigint): void;
  } = {
    rows,
    setNextOrderNo(orderNo) {
      nextOrderNo = orderNo;
    },
    async createOnce(n) {
      const existing = find((r) => r.provider === n.provider && r.paymentId === n.paymentId);
      if (existing) return { transaction: existing, created: false };
      const holder =
        (n.idempotencyKey
          ? find((r) => r.provider === n.provider && r.idempotencyKey === n.idempotencyKey)
          : undefined) ??
        (n.externalRef
          ? find((r) => r.provider === n.provider && r.externalRef === n.externalRef)
          : undefined);
      if (holder) return { transaction: holder, created: false };
      const at = now();
      const tx: ProviderTransaction = {
        paymentId: n.paymentId,
        merchantId: n.merchantId,
        provider: n.provider,
        method: n.method,
        amount: n.amount,
        amountText: n.amountText,
        payeePurse: n.payeePurse,
        id: newId('ptx'),
        orderNo: nextOrderNo++,
        status: 'created',
        providerPaymentId: null,
        attributes: { ...(n.attributes ?? {}) },
        kind: n.kind ?? 'payment',
        externalRef: n.externalRef ?? null,
        idempotencyKey: n.idempotencyKey ?? null,
        requestFingerprint: n.requestFingerprint ?? null,
        declineCode: null,
        reasonCode: null,
        extraTransfers: [],
        createdAt: at,
        updatedAt: at,
      };
      rows.set(tx.id, tx);
      return { transaction: clone(tx), created: true };
    },
    async changeMethod(id, method) {
      const tx = rows.get(id);
      if (!tx || !OPEN_STATUSES.includes(tx.status)) return undefined;
      tx.method = method;
      tx.updatedAt = now();
      return clone(tx);
    },
    async findByOrderNo(provider, orderNo) {
      return find((r) => r.provider === provider && r.orderNo === orderNo);
    },
    async findByPaymentId(provider, paymentId) {
      return find((r) => r.provider === provider && r.paymentId === paymentId);
    },
    async findLatestForPayment(paymentId) {
      const mine = [...rows.values()]
        .filter((r) => r.paymentId === paymentId)
        .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
      return mine[0] ? clone(mine[0]) : undefined;
    },
    async findByExternalRef(provider, externalRef) {
      return find((r) => r.provider === provider && r.externalRef === externalRef);
    },
    async findByProviderPaymentId(provider, providerPaymentId) {
      return find((r) => r.provider === provider && r.providerPaymentId === providerPaymentId);
    },
    async findByIdempotencyKey(provider, idempotencyKey) {
      return find((r) => r.provider === provider && r.idempotencyKey === idempotencyKey);
    },
    async markSucceeded(id, s) {
      const tx = rows.get(id);
      if (!tx) throw new Error(`no transaction ${id}`);
      if (!OPEN_STATUSES.includes(tx.status))
        return { transaction: clone(tx), changed: false, conflict: false };
      if (taken(id, tx.provider, 'providerPaymentId', s.providerPaymentId))
        return { transaction: clone(tx), changed: false, conflict: true };
      Object.assign(tx, {
        status: 'succeeded',
        providerPaymentId: s.providerPaymentId,
        method: s.method,
        attributes: { ...tx.attributes, ...s.attributes },
        reasonCode: null,
        updatedAt: now(),
      });
      return { transaction: clone(tx), changed: true, conflict: false };
    },
    async recordExtraTransfer(id, transfer) {
      const tx = rows.get(id);
      if (!tx) throw new Error(`no transaction ${id}`);
      const earlier = tx.extraTransfers.find(
        (t) => t.providerPaymentId === transfer.providerPaymentId,
      );
      if (earlier) return { transaction: clone(tx), transfer: { ...earlier }, recorded: false };
      const stored = { ...transfer, attributes: { ...transfer.attributes }, receivedAt: now() };
      tx.extraTransfers = [...tx.extraTransfers, stored];
      extraRecordedAt.set(id, stored.receivedAt);
      return { transaction: clone(tx), transfer: { ...stored }, recorded: true };
    },
    async update(id, patch, from = OPEN_STATUSES) {
      const tx = rows.get(id);
      if (!tx) throw new Error(`no transaction ${id}`);
      if (!from.includes(tx.status))
        return { transaction: clone(tx), changed: false, conflict: false };
      if (
        taken(id, tx.provider, 'providerPaymentId', patch.providerPaymentId) ||
        taken(id, tx.provider, 'externalRef', patch.externalRef)
      ) {
        return { transaction: clone(tx), changed: false, conflict: true };
      }
      if (patch.status !== undefined) tx.status = patch.status;
      if (patch.providerPaymentId !== undefined) tx.providerPaymentId = patch.providerPaymentId;
      if (patch.externalRef !== undefined) tx.externalRef = patch.externalRef;
      if (patch.declineCode !== undefined) tx.declineCode = patch.declineCode;
      if (patch.reasonCode !== undefined) tx.reasonCode = patch.reasonCode;
      if (patch.attributes) tx.attributes = { ...tx.attributes, ...patch.attributes };
      tx.updatedAt = now();
      return { transaction: clone(tx), changed: true, conflict: false };
    },
    async listSettled({ after, settledBefore, limit }) {
      return inOrder(
        [...rows.values()].filter((r) => r.status === 'succeeded' && r.kind === 'payment'),
        (r) => r.updatedAt,
        { after, before: settledBefore, limit },
      );
    },
    async listWithExtraTransfers({ after, recordedBefore, limit }) {
      return inOrder(
        [...rows.values()].filter((r) => extraRecordedAt.has(r.id)),
        (r) => extraRecordedAt.get(r.id) as Date,
        { after, before: recordedBefore, limit },
      );
    },
  };
  return repo;
}

export interface StoredCallback {
  id: string;
  provider: string;
  raw: RawCallback;
  receivedAt: Date;
  verdict?: CallbackVerdict;
  reasonCode?: string;
  paymentId?: string;
}

export function inMemoryCallbacks(now: () => Date = () => new Date()) {
  const rows: StoredCallback[] = [];
  const log: CallbackLog & { rows: StoredCallback[] } = {
    rows,
    async record(provider, raw) {
      const id = newId('cb');
      rows.push({ id, provider, raw, receivedAt: now() });
      return id;
    },
    async deleteReceivedBefore(cutoff, limit) {
      const doomed = rows
        .filter((r) => r.receivedAt < cutoff)
        .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
        .slice(0, limit);
      for (const row of doomed) rows.splice(rows.indexOf(row), 1);
      return doomed.length;
    },
    async decide(id, d) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw new Error(`no callback ${id}`);
      Object.assign(row, d);
    },
    async find(id) {
      const row = rows.find((r) => r.id === id);
      if (!row) return undefined;
      return {
        ...row.raw,
        id: row.id,
        provider: row.provider,
        receivedAt: row.receivedAt,
        verdict: row.verdict ?? '',
        reasonCode: row.reasonCode ?? '',
        paymentId: row.paymentId ?? '',
      };
    },
  };
  return log;
}

/** Collects log lines for assertions (what was logged, and that no secret was). */
export function memoryLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  const log: EventLog & { lines: typeof lines } = {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return log;
}

/** A scripted provider API: each call is recorded and answered by the handler. */
export function scriptedHttp(
  handler: (request: ProviderHttpRequest) => ProviderHttpResponse | Promise<ProviderHttpResponse>,
) {
  const calls: ProviderHttpRequest[] = [];
  const http: ProviderHttp & { calls: ProviderHttpRequest[] } = {
    calls,
    async send(request) {
      calls.push(request);
      return handler(request);
    },
  };
  return http;
}

/** A JSON answer for scriptedHttp. */
export function jsonAnswer(status: number, value: unknown): ProviderHttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(value), 'utf8'),
  };
}

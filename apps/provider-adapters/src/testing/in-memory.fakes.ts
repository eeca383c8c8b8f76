import { newId } from '@tolem/ids';

import type { CallbackVerdict, RawCallback } from '../domain/callback';
import type { CallbackLog, EventLog, ProviderTransactionRepository } from '../domain/ports';
import type { ProviderTransaction } from '../domain/provider-transaction';

/**
 * In-memory ports for unit tests (no I/O). Same contracts as the knex repositories, including the
 * uniqueness of (provider, payment) and of (provider, provider_payment_id).
 */
export function inMemoryTransactions(options: { firstOrderNo?: bigint } = {}) {
  const rows = new Map<string, ProviderTransaction>();
  let nextOrderNo = options.firstOrderNo ?? 1n;
  const clone = (tx: ProviderTransaction): ProviderTransaction => ({
    ...tx,
    attributes: { ...tx.attributes },
  });

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
      const existing = [...rows.values()].find(
        (r) => r.provider === n.provider && r.paymentId === n.paymentId,
      );
      if (existing) return { transaction: clone(existing), created: false };
      const now = new Date();
      const tx: ProviderTransaction = {
        ...n,
        id: newId('ptx'),
        orderNo: nextOrderNo++,
        status: 'created',
        providerPaymentId: null,
        attributes: {},
        createdAt: now,
        updatedAt: now,
      };
      rows.set(tx.id, tx);
      return { transaction: clone(tx), created: true };
    },
    async changeMethod(id, method) {
      const tx = rows.get(id);
      if (!tx || tx.status !== 'created') return undefined;
      tx.method = method;
      return clone(tx);
    },
    async findByOrderNo(provider, orderNo) {
      const tx = [...rows.values()].find((r) => r.provider === provider && r.orderNo === orderNo);
      return tx ? clone(tx) : undefined;
    },
    async markSucceeded(id, s) {
      const tx = rows.get(id);
      if (!tx) throw new Error(`no transaction ${id}`);
      const taken = [...rows.values()].some(
        (r) =>
          r.id !== id && r.provider === tx.provider && r.providerPaymentId === s.providerPaymentId,
      );
      if (tx.status !== 'created')
        return { transaction: clone(tx), changed: false, conflict: false };
      if (taken) return { transaction: clone(tx), changed: false, conflict: true };
      Object.assign(tx, {
        status: 'succeeded',
        providerPaymentId: s.providerPaymentId,
        method: s.method,
        attributes: { ...s.attributes },
        updatedAt: new Date(),
      });
      return { transaction: clone(tx), changed: true, conflict: false };
    },
  };
  return repo;
}

export interface StoredCallback {
  id: string;
  provider: string;
  raw: RawCallback;
  verdict?: CallbackVerdict;
  reasonCode?: string;
  paymentId?: string;
}

export function inMemoryCallbacks() {
  const rows: StoredCallback[] = [];
  const log: CallbackLog & { rows: StoredCallback[] } = {
    rows,
    async record(provider, raw) {
      const id = newId('cb');
      rows.push({ id, provider, raw });
      return id;
    },
    async decide(id, d) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw new Error(`no callback ${id}`);
      Object.assign(row, d);
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

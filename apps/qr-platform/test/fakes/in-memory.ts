import type {
  Page,
  PageRequest,
  QrCodeRepository,
  QrPaymentChange,
  QrPaymentChanges,
  QrPaymentNotifier,
  QrPaymentRepository,
} from '../../src/domain/ports';
import type { QrCode } from '../../src/domain/qr-code';
import type { QrCodePayment } from '../../src/domain/qr-payment';

/** The same order as the SQL: newest first by (created_at, id). */
function newestFirst<T>(items: T[], at: (t: T) => Date, id: (t: T) => string): T[] {
  return [...items].sort((a, b) => {
    const d = at(b).getTime() - at(a).getTime();
    return d !== 0 ? d : id(b).localeCompare(id(a));
  });
}

function pageOf<T>(sorted: T[], id: (t: T) => string, page: PageRequest): Page<T> | undefined {
  let start = 0;
  if (page.startingAfter) {
    const index = sorted.findIndex((t) => id(t) === page.startingAfter);
    if (index === -1) return undefined;
    start = index + 1;
  }
  const rest = sorted.slice(start);
  return { items: rest.slice(0, page.limit), hasMore: rest.length > page.limit };
}

export function inMemoryCodes(
  clock: { now(): Date } = { now: () => new Date() },
): QrCodeRepository & { rows: Map<string, QrCode> } {
  const rows = new Map<string, QrCode>();
  return {
    rows,
    async insertOnce(code) {
      const existing = [...rows.values()].find(
        (r) => r.merchantId === code.merchantId && r.idempotencyKey === code.idempotencyKey,
      );
      if (existing) return { qrCode: existing, inserted: false };
      const stored: QrCode = {
        ...code,
        createdAt: clock.now(),
        paidAt: undefined,
        paidPaymentId: '',
        closedAt: undefined,
        closedReason: '',
      };
      rows.set(code.id, stored);
      return { qrCode: stored, inserted: true };
    },
    async findById(id) {
      return rows.get(id);
    },
    async findByIdempotencyKey(merchantId, key) {
      return [...rows.values()].find(
        (r) => r.merchantId === merchantId && r.idempotencyKey === key,
      );
    },
    async findByPaymentId(paymentId) {
      return [...rows.values()].find((r) => r.kind === 'dynamic' && r.paymentId === paymentId);
    },
    async list(filter, page) {
      const mine = [...rows.values()].filter((r) => r.merchantId === filter.merchantId);
      if (page.startingAfter && !mine.some((r) => r.id === page.startingAfter)) return undefined;
      const sorted = newestFirst(
        mine,
        (r) => r.createdAt,
        (r) => r.id,
      );
      const cursorAt = page.startingAfter
        ? sorted.findIndex((r) => r.id === page.startingAfter)
        : -1;
      const after = sorted
        .slice(cursorAt + 1)
        .filter(
          (r) =>
            (!filter.kind || r.kind === filter.kind) &&
            (filter.livemode === undefined || r.livemode === filter.livemode),
        );
      return pageOf(after, (r) => r.id, { limit: page.limit, startingAfter: undefined });
    },
    async markPaid(id, paymentId, at) {
      const code = rows.get(id);
      if (!code || code.kind !== 'dynamic' || code.paidAt) return false;
      rows.set(id, { ...code, paidAt: at, paidPaymentId: paymentId });
      return true;
    },
    async markClosed(id, reason, at) {
      const code = rows.get(id);
      if (!code || code.kind !== 'dynamic' || code.paidAt || code.closedAt) return false;
      rows.set(id, { ...code, closedAt: at, closedReason: reason });
      return true;
    },
  };
}

export function inMemoryPayments(): QrPaymentRepository & { rows: Map<string, QrCodePayment> } {
  const rows = new Map<string, QrCodePayment>();
  return {
    rows,
    async findByPaymentId(paymentId) {
      return rows.get(paymentId);
    },
    async upsertForward(row, keepAmount) {
      const existing = rows.get(row.paymentId);
      if (existing && existing.sequence >= row.sequence) return undefined;
      const stored: QrCodePayment = existing
        ? {
            ...row,
            qrCodeId: existing.qrCodeId,
            amount: keepAmount ? existing.amount : row.amount,
            payerBank: row.payerBank || existing.payerBank,
            createdAt: existing.createdAt,
          }
        : row;
      rows.set(row.paymentId, stored);
      return stored;
    },
    async listByCode(qrCodeId, page) {
      const sorted = newestFirst(
        [...rows.values()].filter((r) => r.qrCodeId === qrCodeId),
        (r) => r.createdAt,
        (r) => r.paymentId,
      );
      return pageOf(sorted, (r) => r.paymentId, page);
    },
    async allOfCode(qrCodeId) {
      return newestFirst(
        [...rows.values()].filter((r) => r.qrCodeId === qrCodeId),
        (r) => r.createdAt,
        (r) => r.paymentId,
      ).reverse();
    },
  };
}

export function recordingNotifier(): QrPaymentNotifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async notify(qrCodeId, paymentId) {
      sent.push(`${qrCodeId}:${paymentId}`);
    },
  };
}

/** In-process changes: `emit` plays a notification, `resyncAll` a reconnected LISTEN. */
export function inMemoryChanges(): QrPaymentChanges & {
  emit(change: QrPaymentChange): void;
  resyncAll(): void;
  count(): number;
} {
  const listeners = new Map<string, Set<Parameters<QrPaymentChanges['subscribe']>[1]>>();
  return {
    subscribe(codeId, listener) {
      const set = listeners.get(codeId) ?? new Set();
      listeners.set(codeId, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(codeId);
      };
    },
    emit(change) {
      for (const l of listeners.get(change.code.id) ?? []) l.change(change);
    },
    resyncAll() {
      for (const set of listeners.values()) for (const l of set) l.resync();
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}

import type { Clock } from '@tolem/runtime';

import { qrErrors } from '../domain/errors';
import type { QrCodeRepository, QrPaymentChanges, QrPaymentRepository } from '../domain/ports';
import { type QrCode, type QrCodeStatus, qrCodeStatus } from '../domain/qr-code';
import type { QrCodePayment } from '../domain/qr-payment';
import type { GetQrCode } from './get-qr-code';

export interface WatchItem {
  payment: QrCodePayment;
  snapshot: boolean;
  codeStatus: QrCodeStatus;
}

export interface WatchQrPaymentDeps {
  getQrCode: GetQrCode;
  codes: QrCodeRepository;
  payments: QrPaymentRepository;
  changes: QrPaymentChanges;
  clock: Clock;
  /**
   * Aborted when the process shuts down: open streams then end with UNAVAILABLE (the caller
   * watches again, on another instance) instead of holding the gRPC drain until its timeout.
   */
  closing?: AbortSignal;
}

export type WatchQrPayment = (
  req: { qrCodeId: string; merchantId: string },
  signal: AbortSignal,
) => AsyncIterable<WatchItem>;

/** Changes queued for one slow watcher before they collapse into one re-read of the code. */
export const MAX_QUEUED_CHANGES = 256;

type Queued = { kind: 'change'; payment: QrCodePayment; code: QrCode } | { kind: 'resync' };

/**
 * The cash desk's live status: every payment the code has (snapshot), then each change, until
 * `signal` aborts (the caller cancelled or its deadline passed), which ends the stream and drops
 * its subscription. The subscription is taken before the snapshot is read, so a change committed
 * in between is not lost; a row is sent only when its sequence is newer than the one this
 * stream already sent, so nothing is sent twice.
 */
export function makeWatchQrPayment(deps: WatchQrPaymentDeps): WatchQrPayment {
  return (req, signal) => ({
    async *[Symbol.asyncIterator]() {
      const code = await deps.getQrCode(req.qrCodeId, req.merchantId || undefined);
      const queue: Queued[] = [];
      let wake: (() => void) | undefined;
      const push = (item: Queued) => {
        if (queue.length >= MAX_QUEUED_CHANGES) queue.splice(0, queue.length, { kind: 'resync' });
        else queue.push(item);
        wake?.();
      };
      const unsubscribe = deps.changes.subscribe(code.id, {
        change: (c) => push({ kind: 'change', ...c }),
        resync: () => push({ kind: 'resync' }),
      });
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort);
      deps.closing?.addEventListener('abort', onAbort);
      const sent = new Map<string, bigint>();
      const fresh = (p: QrCodePayment) => (sent.get(p.paymentId) ?? -1n) < p.sequence;
      const item = (payment: QrCodePayment, of: QrCode, snapshot: boolean): WatchItem => {
        sent.set(payment.paymentId, payment.sequence);
        return { payment, snapshot, codeStatus: qrCodeStatus(of, deps.clock.now()) };
      };
      try {
        const snapshot = await deps.payments.allOfCode(code.id);
        // Read after the rows: a code is marked paid in the transaction of its row, so the status
        // sent is never older than the rows it comes with.
        const asOfSnapshot = (await deps.codes.findById(code.id)) ?? code;
        for (const payment of snapshot) yield item(payment, asOfSnapshot, true);
        while (!signal.aborted) {
          if (deps.closing?.aborted) {
            throw qrErrors.create('QR_WATCH_INTERRUPTED', 'qr-platform is shutting down', {
              retriable: true,
            });
          }
          const next = queue.shift();
          if (!next) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
            continue;
          }
          if (next.kind === 'change') {
            if (fresh(next.payment)) yield item(next.payment, next.code, false);
            continue;
          }
          const current = (await deps.codes.findById(code.id)) ?? code;
          for (const payment of await deps.payments.allOfCode(code.id)) {
            if (fresh(payment)) yield item(payment, current, false);
          }
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        deps.closing?.removeEventListener('abort', onAbort);
        unsubscribe();
      }
    },
  });
}

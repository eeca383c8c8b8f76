import type { Logger } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import type { Clock } from '@tolem/runtime';

import type { QrCodeRepository, QrPaymentNotifier, QrPaymentRepository } from '../domain/ports';
import { closeReasonOf, type QrCode } from '../domain/qr-code';
import { isRefundEvent, qrCodeIdOf, qrPaymentRowOf } from '../domain/qr-payment';

/** Ports bound to the consumer's transaction, so the row, the paid mark and NOTIFY commit together. */
export interface ApplyPaymentEventDeps {
  codes: QrCodeRepository;
  payments: QrPaymentRepository;
  notifier: QrPaymentNotifier;
  clock: Clock;
  log: Pick<Logger, 'debug' | 'warn'>;
}

export type ApplyOutcome = 'applied' | 'stale' | 'no_status' | 'not_qr';

/**
 * Applies one payment event to the payments under QR codes. The code is the one the payment's
 * attributes name (`qr_code_id`), else the one its earlier events named, else the dynamic code
 * issued for the payment; events of other payments are skipped. The row only moves forward by
 * sequence (a redelivered or late event changes nothing and notifies nobody). A succeeded
 * payment marks its dynamic code paid (once). Watchers are notified in the same transaction.
 */
export function makeApplyPaymentEvent(deps: ApplyPaymentEventDeps) {
  return async (event: PaymentEvent): Promise<ApplyOutcome> => {
    const code = await codeOf(deps, event);
    if (!code) {
      deps.log.debug({ eventId: event.eventId }, 'payment event of no QR code skipped');
      return 'not_qr';
    }
    if (code.merchantId !== event.merchantId) {
      // A payment cannot be collected under another merchant's code; never show it there.
      deps.log.warn(
        { eventId: event.eventId, qrCodeId: code.id },
        'payment event names a QR code of another merchant; skipped',
      );
      return 'not_qr';
    }
    const row = qrPaymentRowOf(code, event, deps.clock.now());
    if (!row) return 'no_status';
    const stored = await deps.payments.upsertForward(row, isRefundEvent(event.eventType));
    if (!stored) return 'stale';
    if (
      stored.status === 'succeeded' &&
      code.kind === 'dynamic' &&
      (!code.paymentId || code.paymentId === stored.paymentId)
    ) {
      await deps.codes.markPaid(code.id, stored.paymentId, stored.updatedAt);
    }
    // The payment a dynamic code was issued for ended unpaid: the code can no longer be paid.
    const closing = closeReasonOf(stored.status);
    if (closing && code.kind === 'dynamic' && code.paymentId === stored.paymentId) {
      await deps.codes.markClosed(code.id, closing, stored.updatedAt);
    }
    await deps.notifier.notify(code.id, stored.paymentId);
    return 'applied';
  };
}

async function codeOf(
  deps: ApplyPaymentEventDeps,
  event: PaymentEvent,
): Promise<QrCode | undefined> {
  const named = qrCodeIdOf(event);
  if (named) return deps.codes.findById(named);
  const known = await deps.payments.findByPaymentId(event.paymentId);
  if (known) return deps.codes.findById(known.qrCodeId);
  return event.paymentId ? deps.codes.findByPaymentId(event.paymentId) : undefined;
}

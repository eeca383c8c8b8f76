import { makeManageEndpoints } from '../../src/app/manage-endpoints';
import { makeRecordDelivery } from '../../src/app/record-delivery';
import type { NotificationEvent } from '../../src/domain/notification-event';
import { inMemoryStore, manualClock } from './in-memory-store';

/** How long a delivery is retried: the notifier's default, 72 hours. */
export const RETRY_WINDOW_MS = 72 * 3_600_000;

/** mer_1's live payment.succeeded for pay_1 (1000 KGS by QR, no fee); tests override the rest. */
export function aNotificationEvent(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    eventId: 'evt_1',
    eventType: 'payment.succeeded',
    occurredAt: new Date('2026-03-01T09:59:59Z'),
    paymentId: 'pay_1',
    merchantId: 'mer_1',
    orderId: 'o-1',
    livemode: true,
    gross: { amountMinor: 1000n, currency: 'KGS' },
    fee: undefined,
    net: undefined,
    method: 'qr',
    provider: 'qr_acquirer',
    providerPaymentId: 'q-1',
    ledgerTransactionId: 'txn_1',
    description: '',
    sequence: 1n,
    paymentStatus: 'succeeded',
    failureCode: '',
    providerAttributes: {},
    ...overrides,
  };
}

/**
 * Endpoint management and delivery recording over one in-memory store and a manual clock, as
 * the notifier wires them: what an endpoint spec manages and what an event then reaches.
 */
export function endpointsFixture() {
  const store = inMemoryStore();
  const clock = manualClock();
  const manage = makeManageEndpoints({
    transactor: store.transactor,
    clock,
    retryWindowMs: RETRY_WINDOW_MS,
  });
  const record = makeRecordDelivery({ ...store, clock, retryWindowMs: RETRY_WINDOW_MS });
  return { store, clock, manage, record };
}

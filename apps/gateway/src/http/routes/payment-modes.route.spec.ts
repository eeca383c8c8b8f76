import {
  type CheckoutServiceClient,
  Payment,
  PaymentStatus,
  Refund,
  RefundStatus,
} from '@tolem/contracts/checkout';
import { DomainError } from '@tolem/errors';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  authenticateByKeys,
  gatewayDeps,
  notScripted,
} from '../../../test/fakes/gateway-deps.fake';
import { buildGateway } from '../server';
import type { RefundsClient } from './refunds.route';

const mode = (livemode: boolean) => (livemode ? 'live' : 'test');

/** Checkout's answer to a key of the other mode (domain/livemode.ts). */
function otherMode(code: string, object: string, id: string, livemode: boolean, asked: boolean) {
  return new DomainError(
    code,
    'not_found',
    `No such ${object}: '${id}'; a similar object exists in ${mode(livemode)} mode, but a ` +
      `${mode(asked)} mode key was used to make this request.`,
  );
}

/**
 * One merchant with a payment and a refund in each mode. The doubles hold checkout's contract:
 * with `livemode` set, an object of the other mode is NOT_FOUND and lists hold only that mode;
 * unset reads every mode, so a route that forgets to send the key's mode shows both.
 */
function setup() {
  const payments = [
    Payment.fromPartial({
      id: 'pay_test',
      merchantId: 'mer_1',
      amount: { amountMinor: 1000n, currency: 'USD' },
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      livemode: false,
    }),
    Payment.fromPartial({
      id: 'pay_live',
      merchantId: 'mer_1',
      amount: { amountMinor: 2000n, currency: 'USD' },
      status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
      livemode: true,
    }),
  ];
  const refundRows = [
    { refund: Refund.fromPartial({ id: 're_test', paymentId: 'pay_test' }), livemode: false },
    { refund: Refund.fromPartial({ id: 're_live', paymentId: 'pay_live' }), livemode: true },
  ].map(({ refund, livemode }) => ({
    livemode,
    refund: {
      ...refund,
      merchantId: 'mer_1',
      amount: { amountMinor: 100n, currency: 'USD' },
      status: RefundStatus.REFUND_STATUS_PENDING,
    },
  }));
  const canceled: string[] = [];
  const refunded: string[] = [];
  const inMode = (livemode: boolean | undefined, of: boolean) =>
    livemode === undefined || livemode === of;
  const payment = (id: string, merchantId: string, livemode: boolean | undefined) => {
    const p = payments.find((x) => x.id === id && x.merchantId === merchantId);
    if (!p) throw new DomainError('PAYMENT_NOT_FOUND', 'not_found', 'payment not found');
    if (!inMode(livemode, p.livemode ?? false)) {
      throw otherMode('PAYMENT_NOT_FOUND', 'payment', id, p.livemode ?? false, livemode ?? false);
    }
    return p;
  };
  const checkout: Pick<
    PromiseClient<CheckoutServiceClient>,
    'getPayment' | 'cancelPayment' | 'listPayments' | 'listPaymentEvents'
  > = {
    getPayment: async (req) => ({ payment: payment(req.paymentId, req.merchantId, req.livemode) }),
    cancelPayment: async (req) => {
      const p = payment(req.paymentId, req.merchantId, req.livemode);
      canceled.push(p.id);
      return { payment: { ...p, status: PaymentStatus.PAYMENT_STATUS_CANCELED } };
    },
    listPayments: async (req) => ({
      payments: payments.filter(
        (p) => p.merchantId === req.merchantId && inMode(req.livemode, p.livemode ?? false),
      ),
      hasMore: false,
    }),
    listPaymentEvents: async (req) => {
      payment(req.paymentId, req.merchantId, req.livemode);
      return { events: [] };
    },
  };
  const refunds: RefundsClient = {
    createRefund: async (req) => {
      const p = payment(req.paymentId, req.merchantId, req.livemode);
      refunded.push(p.id);
      const row = refundRows.find((r) => r.refund.paymentId === p.id);
      return { refund: row?.refund, replayed: false };
    },
    getRefund: async (req) => {
      const row = refundRows.find((r) => r.refund.id === req.refundId);
      if (!row || row.refund.merchantId !== req.merchantId) {
        throw new DomainError('REFUND_NOT_FOUND', 'not_found', 'refund not found');
      }
      if (!inMode(req.livemode, row.livemode)) {
        throw otherMode('REFUND_NOT_FOUND', 'refund', row.refund.id, row.livemode, !row.livemode);
      }
      return { refund: row.refund };
    },
    listRefunds: async (req) => ({
      refunds: refundRows
        .filter((r) => r.refund.merchantId === req.merchantId && inMode(req.livemode, r.livemode))
        .map((r) => r.refund),
      hasMore: false,
    }),
    listRefundPayouts: notScripted,
    completeRefundPayout: notScripted,
    failRefundPayout: notScripted,
  };
  const deps = gatewayDeps({
    checkout,
    // One merchant, one key of each mode.
    merchants: {
      authenticateApiKey: authenticateByKeys({ sk_test_good: 'mer_1', sk_live_good: 'mer_1' }),
    },
    refunds,
  });
  return { app: buildGateway(deps), canceled, refunded };
}

const keys = {
  test: { authorization: 'Bearer sk_test_good' },
  live: { authorization: 'Bearer sk_live_good' },
};

describe('test and live keys of one merchant', () => {
  let s: ReturnType<typeof setup>;
  let app: FastifyInstance;
  beforeEach(() => {
    s = setup();
    app = s.app;
  });
  afterEach(async () => {
    await app.close();
  });

  for (const [key, own, other] of [
    ['test', 'pay_test', 'pay_live'],
    ['live', 'pay_live', 'pay_test'],
  ] as const) {
    const headers = keys[key];
    const otherMode = key === 'test' ? 'live' : 'test';

    it(`a ${key} key cannot read, see the events of, cancel or refund a ${otherMode} payment: 404 PAYMENT_NOT_FOUND with the hint`, async () => {
      const hint =
        `No such payment: '${other}'; a similar object exists in ${otherMode} mode, but a ` +
        `${key} mode key was used to make this request.`;
      const answers = [
        await app.inject({ method: 'GET', url: `/v1/payments/${other}`, headers }),
        await app.inject({ method: 'GET', url: `/v1/payments/${other}/events`, headers }),
        await app.inject({ method: 'POST', url: `/v1/payments/${other}/cancel`, headers }),
        await app.inject({
          method: 'POST',
          url: '/v1/refunds',
          headers: { ...headers, 'idempotency-key': `refund-${other}` },
          payload: { payment: other },
        }),
      ];
      for (const res of answers) {
        expect(res.statusCode).toBe(404);
        expect(res.json().error).toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: hint });
      }
      expect(s.canceled).toEqual([]);
      expect(s.refunded).toEqual([]);
    });

    it(`a ${key} key reads, cancels and refunds its own mode's payment`, async () => {
      const read = await app.inject({ method: 'GET', url: `/v1/payments/${own}`, headers });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id: own, livemode: key === 'live' });
      const events = await app.inject({
        method: 'GET',
        url: `/v1/payments/${own}/events`,
        headers,
      });
      expect(events.statusCode).toBe(200);
      const cancel = await app.inject({
        method: 'POST',
        url: `/v1/payments/${own}/cancel`,
        headers,
      });
      expect(cancel.statusCode).toBe(200);
      const refund = await app.inject({
        method: 'POST',
        url: '/v1/refunds',
        headers: { ...headers, 'idempotency-key': `refund-${own}` },
        payload: { payment: own },
      });
      expect(refund.statusCode).toBe(201);
      expect(s.canceled).toEqual([own]);
      expect(s.refunded).toEqual([own]);
    });

    it(`a ${key} key's lists of payments and refunds hold only its mode; a ${otherMode} refund is 404 REFUND_NOT_FOUND`, async () => {
      const listed = await app.inject({ method: 'GET', url: '/v1/payments', headers });
      expect(listed.statusCode).toBe(200);
      expect(listed.json().data.map((p: { id: string }) => p.id)).toEqual([own]);
      const ownRefund = own.replace('pay_', 're_');
      const otherRefund = other.replace('pay_', 're_');
      const refunds = await app.inject({ method: 'GET', url: '/v1/refunds', headers });
      expect(refunds.statusCode).toBe(200);
      expect(refunds.json().data.map((r: { id: string }) => r.id)).toEqual([ownRefund]);
      const mine = await app.inject({ method: 'GET', url: `/v1/refunds/${ownRefund}`, headers });
      expect(mine.statusCode).toBe(200);
      const theirs = await app.inject({
        method: 'GET',
        url: `/v1/refunds/${otherRefund}`,
        headers,
      });
      expect(theirs.statusCode).toBe(404);
      expect(theirs.json().error).toMatchObject({
        code: 'REFUND_NOT_FOUND',
        message: expect.stringContaining(`exists in ${otherMode} mode, but a ${key} mode key`),
      });
    });
  }
});

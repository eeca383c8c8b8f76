import {
  CreatePaymentRequest,
  CreatePaymentResponse,
  type CreatePaymentsRequest,
  CreatePaymentsResponse,
} from '@tolem/contracts/checkout';
import { DomainError } from '@tolem/errors';
import type { CallOpts } from '@tolem/grpc-kit';
import { describe, expect, it } from 'vitest';

import { createPaymentsBatcher } from './create-payments.batcher';

const request = (key: string) =>
  CreatePaymentRequest.fromPartial({
    merchantId: 'mer_1',
    idempotencyKey: key,
    amount: { amountMinor: 1_999n, currency: 'USD' },
  });

/** A checkout double: answers each item by its key, and records the calls it got. */
function checkout(options: { batchFails?: boolean } = {}) {
  const batches: { keys: string[]; opts: CallOpts | undefined }[] = [];
  const singles: { key: string; opts: CallOpts | undefined }[] = [];
  const answer = (key: string) =>
    CreatePaymentResponse.fromPartial({ payment: { id: `pay_${key}` }, replayed: false });
  return {
    batches,
    singles,
    async createPayments(req: CreatePaymentsRequest, opts?: CallOpts) {
      batches.push({ keys: req.payments.map((p) => p.idempotencyKey), opts });
      await new Promise((r) => setTimeout(r, 5));
      if (options.batchFails) {
        throw new DomainError('UNIMPLEMENTED', 'unimplemented', 'no CreatePayments here');
      }
      return CreatePaymentsResponse.fromPartial({
        results: req.payments.map((p) =>
          p.idempotencyKey === 'reused'
            ? {
                result: {
                  $case: 'error' as const,
                  value: {
                    code: 'IDEMPOTENCY_KEY_REUSED',
                    kind: 'conflict',
                    message: 'amount differs',
                    details: { field: 'amount' },
                  },
                },
              }
            : { result: { $case: 'created' as const, value: answer(p.idempotencyKey) } },
        ),
      });
    },
    async createPayment(req: CreatePaymentRequest, opts?: CallOpts) {
      singles.push({ key: req.idempotencyKey, opts });
      return answer(req.idempotencyKey);
    },
  };
}

describe('createPaymentsBatcher', () => {
  it('sends creates that arrive while a call is in flight together, answering each its own', async () => {
    const c = checkout();
    const create = createPaymentsBatcher(c, { lanes: 1 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(request(`k${i}`), { requestId: `req_${i}` })),
    );
    expect(answers.map((a) => a.payment?.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `pay_k${i}`),
    );
    expect(c.batches.length).toBeLessThan(10);
    expect(c.batches.flatMap((b) => b.keys).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `k${i}`).sort(),
    );
    expect(c.singles).toEqual([]);
  });

  it("rejects only the item checkout refused, with the single call's code, kind and details", async () => {
    const c = checkout();
    const create = createPaymentsBatcher(c, { lanes: 1 });
    const [ok, refused] = await Promise.allSettled([
      create(request('fine')),
      create(request('reused')),
    ]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { payment: { id: 'pay_fine' } } });
    expect(refused.status).toBe('rejected');
    const err = (refused as PromiseRejectedResult).reason as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      kind: 'conflict',
      message: 'amount differs',
      details: { field: 'amount' },
    });
  });

  it('falls back to one CreatePayment per item, each with its request id, when the batch fails', async () => {
    const c = checkout({ batchFails: true });
    const create = createPaymentsBatcher(c, { lanes: 1 });
    const answers = await Promise.all([
      create(request('a'), { requestId: 'req_a' }),
      create(request('b'), { requestId: 'req_b' }),
    ]);
    expect(answers.map((a) => a.payment?.id)).toEqual(['pay_a', 'pay_b']);
    expect(c.singles).toEqual([
      { key: 'a', opts: { requestId: 'req_a' } },
      { key: 'b', opts: { requestId: 'req_b' } },
    ]);
  });

  it('keeps at most `lanes` calls in flight', async () => {
    const c = checkout();
    let inFlight = 0;
    let most = 0;
    const counted = {
      ...c,
      async createPayments(req: CreatePaymentsRequest, opts?: CallOpts) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await c.createPayments(req, opts);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const create = createPaymentsBatcher(counted, { lanes: 2 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => create(request(`k${i}`))));
    expect(most).toBeLessThanOrEqual(2);
  });
});

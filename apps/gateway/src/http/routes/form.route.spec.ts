import { type CreateFormPaymentRequest, Payment } from '@tolem/contracts/checkout';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { gatewayDeps } from '../../../test/fakes/gateway-deps.fake';
import { buildGateway } from '../server';

describe('POST /pay (signed HTML form)', () => {
  let app: FastifyInstance;
  let requests: CreateFormPaymentRequest[];

  beforeEach(async () => {
    requests = [];
    const checkout = {
      async createFormPayment(req: CreateFormPaymentRequest) {
        requests.push(req);
        if (req.signature === '') {
          throw new DomainError(
            'FORM_SIGNATURE_MISSING',
            'unauthenticated',
            'the form has no signature',
          );
        }
        if (req.signature === 'bad') {
          throw new DomainError('FORM_SIGNATURE_INVALID', 'unauthenticated', 'bad <signature>');
        }
        if (req.fields['amount'] === '2') {
          throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'conflict', 'amount differs', {
            details: { field: 'amount' },
          });
        }
        return {
          payment: Payment.fromPartial({
            id: 'pay_form_1',
            merchantId: 'mer_1',
            pageSecret: 'S'.repeat(43),
          }),
          replayed: false,
        };
      },
    };
    // The origin the redirect below is built from.
    app = buildGateway(gatewayDeps({ checkout, publicBaseUrl: 'https://pay.example' }));
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  const post = (body: string) =>
    app.inject({
      method: 'POST',
      url: '/pay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });

  it('hands the fields and the signature to checkout and redirects to the hosted page', async () => {
    const res = await post(
      'merchant_id=mer_1&order_id=42&amount=1999&currency=USD&description=%D0%9A%D0%BD%D0%B8%D0%B3%D0%B0&signature=abc',
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `https://pay.example/pay/pay_form_1?secret=${'S'.repeat(43)}`,
    );
    expect(requests[0]).toEqual({
      fields: {
        merchant_id: 'mer_1',
        order_id: '42',
        amount: '1999',
        currency: 'USD',
        description: 'Книга',
      },
      signature: 'abc',
    });
  });

  it.each([
    ['merchant_id=mer_1&amount=1', 401, 'FORM_SIGNATURE_MISSING'],
    ['merchant_id=mer_1&amount=1&signature=bad', 401, 'FORM_SIGNATURE_INVALID'],
    ['merchant_id=mer_1&amount=2&signature=ok', 409, 'IDEMPOTENCY_KEY_REUSED'],
  ])('answers %s with an HTML page %i naming %s', async (body, status, code) => {
    const res = await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain(`data-error-code="${code}"`);
    expect(res.body).not.toContain('<signature>');
  });

  it('refuses a repeated field or a JSON body before asking checkout', async () => {
    expect((await post('order_id=1&order_id=2&signature=x')).statusCode).toBe(400);
    const json = await app.inject({
      method: 'POST',
      url: '/pay',
      headers: { 'content-type': 'application/json' },
      payload: '{"order_id":"1"}',
    });
    expect(json.statusCode).toBeGreaterThanOrEqual(400);
    expect(requests).toHaveLength(0);
  });
});

import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from './index';

/** A destination that keeps the lines written to it. */
function captured() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with the service name and redacts secrets', () => {
    const { lines, destination } = captured();
    const log = createLogger({ service: 'ledger', destination });
    log.info(
      {
        paymentId: 'pay_1',
        merchant: { apiKey: 'sk_live_abc', secretKey: 'k' },
        card: { pan: '4111111111111111' },
      },
      'hello',
    );
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line.service).toBe('ledger');
    expect(line.paymentId).toBe('pay_1');
    expect(line.level).toBe('info');
    const text = lines.join('');
    expect(text).not.toContain('sk_live_abc');
    expect(text).not.toContain('4111111111111111');
    expect(text).toContain('[REDACTED]');
  });

  it("redacts a payment's page secret, the hosted page's credential", () => {
    const { lines, destination } = captured();
    const log = createLogger({ service: 'checkout', destination });
    log.info(
      { payment: { id: 'pay_1', pageSecret: 'ps-AAAA' }, request: { page_secret: 'ps-BBBB' } },
      'hello',
    );
    const text = lines.join('');
    expect(text).toContain('pay_1');
    expect(text).not.toContain('ps-AAAA');
    expect(text).not.toContain('ps-BBBB');
  });

  it('masks credentials, card data and phone numbers at any depth, under any spelling', () => {
    const { lines, destination } = captured();
    const log = createLogger({ service: 'gateway', destination });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    log.child({ request: { headers: { 'X-Api-Key': 'sk_test_child' } } }).warn(
      {
        paymentId: 'pay_9',
        orderId: '1234567890123456',
        a: {
          b: {
            c: {
              d: {
                webmoneySecretKey: 'wm-deep',
                intellectmoney_bearer_token: 'im-deep',
                Authorization: 'Bearer sk_live_deep',
                payer_phone: '+996 555 123 456',
                msisdn: 996700112233,
              },
            },
          },
        },
        attempts: [{ card: { number: '4111 1111 1111 1111', cvv2: '123' } }],
        note: '5500-0000-0000-0004',
        circular,
      },
      'deep',
    );
    const text = lines.join('');
    for (const leaked of [
      'sk_test_child',
      'wm-deep',
      'im-deep',
      'sk_live_deep',
      '555 123',
      '996700112233',
      '4111 1111 1111 1111',
      '"123"',
      '5500-0000-0000-0004',
    ]) {
      expect(text).not.toContain(leaked);
    }
    const line = JSON.parse(lines[0] as string) as {
      paymentId: string;
      orderId: string;
      a: { b: { c: { d: { payer_phone: string; msisdn: string } } } };
      circular: { name: string; self: string };
    };
    // Ids stay readable; a 16-digit order number that is not a card number too (Luhn fails).
    expect(line.paymentId).toBe('pay_9');
    expect(line.orderId).toBe('1234567890123456');
    // Two digits are enough to tell two payers apart in an incident.
    expect(line.a.b.c.d.payer_phone).toBe('***56');
    expect(line.a.b.c.d.msisdn).toBe('***33');
    expect(line.circular).toEqual({ name: 'loop', self: '[Circular]' });
  });

  it("masks card and phone numbers inside a provider's or an error's text, not ids or times", () => {
    const { lines, destination } = captured();
    const log = createLogger({ service: 'recurring', destination });
    log.warn(
      {
        receiptId: 'rct_1',
        error: 'HTTP 400 invalid_request: customer.phone +7 900 123-45-67 is invalid',
        providerMessage: 'Wallet 8 (959) 123 45 678 not found',
        lastError: 'card 4111 1111 1111 1111 declined at 2026-12-07 10:00:00 for pay_1234567890123',
      },
      'cash register refused',
    );
    log.error({ err: new Error('no payer for 996555123456 in /v1/payments/12345678901') }, 'x');
    const text = lines.join('');
    for (const leaked of ['900 123', '123 45 678', '4111 1111', '996555123456']) {
      expect(text).not.toContain(leaked);
    }
    const [receipt, failure] = lines.map(
      (l) => JSON.parse(l) as Record<string, string> & { err: { message: string; stack: string } },
    );
    expect(receipt?.error).toBe('HTTP 400 invalid_request: customer.phone ***67 is invalid');
    expect(receipt?.providerMessage).toBe('Wallet ***78 not found');
    // Times, ids and paths keep their digits.
    expect(receipt?.lastError).toBe(
      'card [REDACTED] declined at 2026-12-07 10:00:00 for pay_1234567890123',
    );
    expect(failure?.err.message).toBe('no payer for ***56 in /v1/payments/12345678901');
    expect(failure?.err.stack).toContain('no payer for ***56');
  });

  it("keeps a database error's code and constraint but not the row it quotes", () => {
    const { lines, destination } = captured();
    const log = createLogger({ service: 'checkout', destination });
    // What pg's DatabaseError carries on a check violation, a unique violation and bad jsonb.
    const checkViolation = Object.assign(
      new Error('new row for relation "merchants" violates check constraint "merchants_vat"'),
      {
        code: '23514',
        constraint: 'merchants_vat',
        table: 'merchants',
        detail: 'Failing row contains (mer_1, Shop, whsec_SUPERSECRET, fs_FORMSECRET).',
      },
    );
    const wrapped = Object.assign(new Error('batch failed'), {
      first: Object.assign(new Error('duplicate key'), {
        code: '23505',
        detail: 'Key (phone)=(+996555123456) already exists.',
      }),
      jsonb: Object.assign(new Error('invalid input syntax for type json'), {
        code: '22P05',
        where: 'JSON data, line 1: {"payer_phone":"996555123456"',
        internalQuery: 'select \'{"webhook_secret":"whsec_INNER"}\'::jsonb',
      }),
      signingSecret: 'whsec_PROPERTY',
    });
    log.error({ err: checkViolation }, 'grpc handler failed');
    log.warn({ err: wrapped }, 'batch failed');
    const text = lines.join('');
    for (const leaked of [
      'whsec_SUPERSECRET',
      'fs_FORMSECRET',
      '996555123456',
      'whsec_INNER',
      'whsec_PROPERTY',
    ]) {
      expect(text).not.toContain(leaked);
    }
    const line = JSON.parse(lines[0] as string) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({
      code: '23514',
      constraint: 'merchants_vat',
      table: 'merchants',
      detail: '[REDACTED]',
    });
    expect(line.err.message).toContain('merchants_vat');
    expect(line.err.stack).toContain('Error');
  });
});

import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from './index';

describe('createLogger', () => {
  it('writes JSON with the service name and redacts secrets', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
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
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
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
});

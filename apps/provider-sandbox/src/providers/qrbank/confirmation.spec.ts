import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { confirmationBody, signedConfirmation, STALE_SECONDS } from './confirmation';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const C = {
  qrId: 'qr_01jxyz',
  amountTyiyn: 1241200n,
  acquirerReference: 'qrb_01abc',
  payerBank: 'mbank',
  paidAt: NOW,
};
const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

describe('QR payment confirmation', () => {
  it('writes the documented JSON, in order, amount as an integer', () => {
    expect(confirmationBody(C)).toBe(
      '{"qr_id":"qr_01jxyz","amount":1241200,"currency":"KGS","acquirer_reference":"qrb_01abc","payer_bank":"mbank","paid_at":"2025-06-15T12:00:00.000Z"}',
    );
    expect(JSON.parse(confirmationBody({ ...C, amountTyiyn: 9_999_999_999_999n }))).toMatchObject({
      amount: 9_999_999_999_999,
    });
  });

  it('signs "<timestamp>.<raw body>" with HMAC-SHA256 and names the acquirer', () => {
    const { body, headers } = signedConfirmation(C, { acquirerId: 'acq-1', secret: 's3' }, NOW);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'x-tolem-acquirer': 'acq-1',
      'x-tolem-timestamp': '1749988800',
      'x-tolem-signature': hmac('s3', `1749988800.${body}`),
    });
    expect(headers['x-tolem-signature']).not.toBe(hmac('other', `1749988800.${body}`));
  });

  it('tampers as asked', () => {
    const keys = { acquirerId: 'acq-1', secret: 's3' };
    const sig = signedConfirmation(C, keys, NOW, 'signature');
    expect(sig.headers['x-tolem-signature']).not.toBe(hmac('s3', `1749988800.${sig.body}`));
    const amount = signedConfirmation(C, keys, NOW, 'amount');
    expect(JSON.parse(amount.body)).toMatchObject({ amount: 1241201 });
    expect(amount.headers['x-tolem-signature']).toBe(hmac('s3', `1749988800.${amount.body}`));
    const stale = signedConfirmation(C, keys, NOW, 'stale_timestamp');
    const ts = String(1749988800 - STALE_SECONDS);
    expect(stale.headers['x-tolem-timestamp']).toBe(ts);
    expect(stale.headers['x-tolem-signature']).toBe(hmac('s3', `${ts}.${stale.body}`));
  });
});

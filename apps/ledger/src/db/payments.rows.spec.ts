import { describe, expect, it } from 'vitest';

import type { PaymentRecord } from '../domain/payment-record';
import { recordToRow, rowToRecord } from './payments.rows';

const record: PaymentRecord = {
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  currency: 'KGS',
  method: 'card',
  provider: 'intellectmoney',
  shard: 0,
  status: 'posted',
  heldMinor: 0n,
  holdExpiresAt: null,
  grossMinor: 10_000n,
  feeMinor: 250n,
  refundedMinor: 0n,
  refundPendingMinor: 0n,
  occurredAt: new Date('2026-12-06T10:00:00.000Z'),
  providerPaymentId: 'im-1',
  providerAttributes: {},
  orderId: 'order-1',
  description: 'Tea',
  livemode: false,
};

describe('payment register rows', () => {
  it.each([false, true])(
    'keeps livemode %s in the details JSON (text and embedded), so later events repeat it',
    (livemode) => {
      const asText = recordToRow({ ...record, livemode });
      expect(JSON.parse(asText.details as string)).toMatchObject({ livemode });
      expect(rowToRecord(asText).livemode).toBe(livemode);
      const embedded = recordToRow({ ...record, livemode }, false);
      expect(rowToRecord(embedded).livemode).toBe(livemode);
    },
  );

  it('reads a row written before modes as livemode false, as checkout’s payments defaulted', () => {
    const row = recordToRow(record);
    row.details = JSON.stringify({ provider_payment_id: 'im-1', order_id: 'order-1' });
    expect(rowToRecord(row)).toMatchObject({ orderId: 'order-1', livemode: false });
  });

  it('keeps the mode of the accounts of a payment from before modes, and writes none for others', () => {
    const migrated = recordToRow({ ...record, accountsLivemode: true });
    expect(JSON.parse(migrated.details as string)).toMatchObject({ accounts_livemode: true });
    expect(rowToRecord(migrated)).toMatchObject({ livemode: false, accountsLivemode: true });
    const fresh = recordToRow(record);
    expect(JSON.parse(fresh.details as string)).not.toHaveProperty('accounts_livemode');
    expect(rowToRecord(fresh)).not.toHaveProperty('accountsLivemode');
  });
});

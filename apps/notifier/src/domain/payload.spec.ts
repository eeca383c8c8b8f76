import { describe, expect, it } from 'vitest';

import type { NotificationEvent } from './notification-event';
import {
  buildBody,
  buildFormPayload,
  buildPayload,
  jsonInteger,
  majorString,
  type StoredEventData,
  toStoredData,
} from './payload';

const keeperMobile: NotificationEvent = {
  eventId: 'evt_1',
  eventType: 'payment.succeeded',
  occurredAt: new Date('2026-03-01T10:00:00.123Z'),
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  orderId: 'order-42',
  livemode: false,
  gross: { amountMinor: 150_000n, currency: 'RUB' },
  fee: { amountMinor: 3_000n, currency: 'RUB' },
  net: { amountMinor: 147_000n, currency: 'RUB' },
  method: 'webmoney_keeper_mobile',
  provider: 'webmoney',
  providerPaymentId: '1234567',
  ledgerTransactionId: 'txn_1',
  description: 'Order 42',
  sequence: 1n,
  paymentStatus: '',
  failureCode: '',
  providerAttributes: {
    payer_wmid: '123456789012',
    payer_phone: '79001234567',
    keeper_mobile_payment_no: 'KM-777',
    payer_purse: 'R123456789012',
    amount: '999999',
  },
};

/** A scheduled charge's decline as the ledger publishes it: no status, nothing moved. */
const recurringFailed: NotificationEvent = {
  ...keeperMobile,
  eventId: 'evt_r',
  eventType: 'recurring.charge.failed',
  method: 'card',
  provider: 'intellectmoney',
  providerPaymentId: 'im-1',
  providerAttributes: {},
  fee: { amountMinor: 0n, currency: 'RUB' },
  net: { amountMinor: 0n, currency: 'RUB' },
  ledgerTransactionId: '',
  description: 'Tea box',
  sequence: 2n,
  failureCode: '51',
  recurring: {
    operationId: 'sop_1',
    chargeId: 'chg_1',
    attempt: 2,
    bindingId: 'cbd_1',
    receiptId: '',
    cancelReason: '',
  },
};

describe('recurring bodies', () => {
  it('carry the operation, charge, attempt and binding after failure_code, and no status', () => {
    const body = JSON.parse(buildPayload(recurringFailed, new Date(0))) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(body.type).toBe('recurring.charge.failed');
    expect(body.data).not.toHaveProperty('status');
    expect(body.data).not.toHaveProperty('receipt_id');
    expect(body.data).not.toHaveProperty('cancel_reason');
    expect(Object.entries(body.data).slice(-6)).toEqual([
      ['livemode', false],
      ['failure_code', '51'],
      ['recurring_operation_id', 'sop_1'],
      ['recurring_charge_id', 'chg_1'],
      ['recurring_attempt', 2],
      ['card_binding_id', 'cbd_1'],
    ]);
  });

  it('carry the receipt of a success and the reason of a cancel, in JSON and in a form', () => {
    const succeeded: NotificationEvent = {
      ...recurringFailed,
      eventType: 'recurring.charge.succeeded',
      failureCode: '',
      recurring: {
        operationId: 'sop_1',
        chargeId: 'chg_1',
        attempt: 1,
        bindingId: 'cbd_1',
        receiptId: 'rct_1',
        cancelReason: '',
      },
    };
    expect(JSON.parse(buildPayload(succeeded, new Date(0)))).toMatchObject({
      data: { receipt_id: 'rct_1', recurring_operation_id: 'sop_1' },
    });
    const canceled: NotificationEvent = {
      ...recurringFailed,
      eventType: 'recurring.operation.canceled',
      failureCode: '',
      recurring: {
        operationId: 'sop_1',
        chargeId: '',
        attempt: 0,
        bindingId: 'cbd_1',
        receiptId: '',
        cancelReason: 'binding_revoked',
      },
    };
    const form = new URLSearchParams(buildFormPayload(canceled, new Date(0)));
    expect(form.get('event_type')).toBe('recurring.operation.canceled');
    expect(form.get('recurring_operation_id')).toBe('sop_1');
    expect(form.get('cancel_reason')).toBe('binding_revoked');
    expect(form.get('card_binding_id')).toBe('cbd_1');
    expect(form.has('recurring_charge_id')).toBe(false);
    expect(form.has('recurring_attempt')).toBe(false);
    expect(form.has('status')).toBe(false);
  });

  it('survive storing, so a later endpoint or a redelivery gets the same bytes', () => {
    const stored = toStoredData(recurringFailed, new Date(0));
    const again = JSON.parse(JSON.stringify(stored)) as StoredEventData;
    expect(buildBody(again, 'json')).toBe(buildPayload(recurringFailed, new Date(0)));
    expect(buildBody(again, 'form')).toBe(buildFormPayload(recurringFailed, new Date(0)));
  });

  it('never let a provider attribute stand in for a recurring field', () => {
    const sneaky: NotificationEvent = {
      ...keeperMobile,
      providerAttributes: { receipt_id: 'rct_fake', cancel_reason: 'merchant' },
    };
    const data = (JSON.parse(buildPayload(sneaky, new Date(0))) as { data: object }).data;
    expect(data).not.toHaveProperty('receipt_id');
    expect(data).not.toHaveProperty('cancel_reason');
  });
});

describe('buildPayload', () => {
  it('maps the event to the documented body with integer minor units and flattened attributes', () => {
    const body = JSON.parse(buildPayload(keeperMobile, new Date(0))) as Record<string, unknown>;
    expect(body).toEqual({
      id: 'evt_1',
      type: 'payment.succeeded',
      created: '2026-03-01T10:00:00.123Z',
      data: {
        payment_id: 'pay_1',
        merchant_id: 'mer_1',
        order_id: 'order-42',
        amount: 150000,
        amount_major: '1500.00',
        currency: 'RUB',
        fee: 3000,
        net: 147000,
        method: 'webmoney_keeper_mobile',
        provider: 'webmoney',
        provider_payment_id: '1234567',
        ledger_transaction_id: 'txn_1',
        description: 'Order 42',
        sequence: 1,
        livemode: false,
        keeper_mobile_payment_no: 'KM-777',
        payer_phone: '79001234567',
        payer_purse: 'R123456789012',
        payer_wmid: '123456789012',
      },
    });
  });

  it('never lets a provider attribute override a core field', () => {
    const body = JSON.parse(buildPayload(keeperMobile, new Date(0))) as {
      data: { amount: unknown };
    };
    expect(body.data.amount).toBe(150000);
  });

  it('is byte-stable whatever the attribute insertion order', () => {
    const reordered = {
      ...keeperMobile,
      providerAttributes: Object.fromEntries(
        Object.entries(keeperMobile.providerAttributes).reverse(),
      ),
    };
    expect(buildPayload(reordered, new Date(0))).toBe(buildPayload(keeperMobile, new Date(0)));
  });

  it('sends amounts above 2^53-1 as strings, never as rounded numbers', () => {
    const huge = {
      ...keeperMobile,
      gross: { amountMinor: 9_007_199_254_740_993n, currency: 'RUB' },
    };
    const body = JSON.parse(buildPayload(huge, new Date(0))) as {
      data: { amount: unknown; fee: unknown };
    };
    expect(body.data.amount).toBe('9007199254740993');
    expect(body.data.fee).toBe(3000);
  });

  it('uses the fallback time when the event has none, and zero for absent amounts', () => {
    const failed = { ...keeperMobile, occurredAt: undefined, fee: undefined, net: undefined };
    const body = JSON.parse(buildPayload(failed, new Date('2026-01-01T00:00:00Z'))) as {
      created: string;
      data: { fee: unknown; net: unknown; currency: unknown };
    };
    expect(body.created).toBe('2026-01-01T00:00:00.000Z');
    expect(body.data).toMatchObject({ fee: 0, net: 0, currency: 'RUB' });
  });
});

describe('buildPayload status and failure code', () => {
  it('adds status and failure_code after sequence, before the provider attributes', () => {
    const failed = {
      ...keeperMobile,
      eventType: 'payment.failed',
      paymentStatus: 'failed',
      failureCode: 'card_declined',
    };
    const body = JSON.parse(buildPayload(failed, new Date(0))) as { data: object };
    expect(Object.keys(body.data)).toEqual([
      'payment_id',
      'merchant_id',
      'order_id',
      'amount',
      'amount_major',
      'currency',
      'fee',
      'net',
      'method',
      'provider',
      'provider_payment_id',
      'ledger_transaction_id',
      'description',
      'sequence',
      'livemode',
      'status',
      'failure_code',
      'keeper_mobile_payment_no',
      'payer_phone',
      'payer_purse',
      'payer_wmid',
    ]);
    expect(body.data).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
  });

  it('names the refund of a refund event right after the failure code', () => {
    const failedRefund = {
      ...keeperMobile,
      eventType: 'refund.failed',
      failureCode: 'provider_declined',
      refundId: 're_1',
    };
    const body = JSON.parse(buildPayload(failedRefund, new Date(0))) as { data: object };
    const keys = Object.keys(body.data);
    expect(keys.slice(keys.indexOf('sequence'), keys.indexOf('sequence') + 4)).toEqual([
      'sequence',
      'livemode',
      'failure_code',
      'refund_id',
    ]);
    expect(body.data).toMatchObject({ refund_id: 're_1', failure_code: 'provider_declined' });
    expect(buildPayload(keeperMobile, new Date(0))).not.toContain('refund_id');
  });

  it('leaves out what the event does not carry, so an older event keeps its exact bytes', () => {
    const body = buildPayload({ ...keeperMobile, paymentStatus: 'succeeded' }, new Date(0));
    expect(JSON.parse(body)).toMatchObject({ data: { status: 'succeeded' } });
    expect(body).not.toContain('failure_code');
    expect(buildPayload(keeperMobile, new Date(0))).not.toContain('"status"');
  });

  it.each([false, true])(
    'says livemode %s as a JSON boolean, never one a provider sends',
    (livemode) => {
      const event = { ...keeperMobile, livemode, providerAttributes: { livemode: 'maybe' } };
      const body = JSON.parse(buildPayload(event, new Date(0))) as { data: { livemode: unknown } };
      expect(body.data.livemode).toBe(livemode);
    },
  );

  it('never lets a provider attribute stand in for a missing status or failure code', () => {
    const spoofed = {
      ...keeperMobile,
      providerAttributes: { status: 'succeeded', failure_code: 'none' },
    };
    const body = JSON.parse(buildPayload(spoofed, new Date(0))) as { data: object };
    expect(body.data).not.toHaveProperty('status');
    expect(body.data).not.toHaveProperty('failure_code');
  });
});

describe('jsonInteger', () => {
  it('keeps safe integers as numbers and the rest as strings', () => {
    expect(jsonInteger(9_007_199_254_740_991n)).toBe(9_007_199_254_740_991);
    expect(jsonInteger(9_007_199_254_740_992n)).toBe('9007199254740992');
    expect(jsonInteger(-9_007_199_254_740_992n)).toBe('-9007199254740992');
  });
});

describe('majorString', () => {
  it.each([
    [150_000n, 'RUB', '1500.00'],
    [5n, 'USD', '0.05'],
    [0n, 'KGS', '0.00'],
    [-1_234n, 'EUR', '-12.34'],
    [1_500n, 'JPY', '1500'],
    [0n, 'VND', '0'],
    [1_500n, 'KWD', '1.500'],
    [7n, 'KWD', '0.007'],
    [9_007_199_254_740_993n, 'RUB', '90071992547409.93'],
    [100n, 'XXX', ''],
  ])('writes %s %s as %j, exactly', (minor, currency, expected) => {
    expect(majorString(minor, currency)).toBe(expected);
  });
});

describe('buildFormPayload', () => {
  it('sends the JSON body fields flat, form-encoded, in the same order', () => {
    const form = new URLSearchParams(buildFormPayload(keeperMobile, new Date(0)));
    expect([...form.entries()]).toEqual([
      ['event_id', 'evt_1'],
      ['event_type', 'payment.succeeded'],
      ['created', '2026-03-01T10:00:00.123Z'],
      ['payment_id', 'pay_1'],
      ['merchant_id', 'mer_1'],
      ['order_id', 'order-42'],
      ['amount', '150000'],
      ['amount_major', '1500.00'],
      ['currency', 'RUB'],
      ['fee', '3000'],
      ['net', '147000'],
      ['method', 'webmoney_keeper_mobile'],
      ['provider', 'webmoney'],
      ['provider_payment_id', '1234567'],
      ['ledger_transaction_id', 'txn_1'],
      ['description', 'Order 42'],
      ['sequence', '1'],
      ['livemode', 'false'],
      ['keeper_mobile_payment_no', 'KM-777'],
      ['payer_phone', '79001234567'],
      ['payer_purse', 'R123456789012'],
      ['payer_wmid', '123456789012'],
    ]);
  });

  it.each([false, true])('says livemode %s as `true` / `false` in a form', (livemode) => {
    const form = new URLSearchParams(buildFormPayload({ ...keeperMobile, livemode }, new Date(0)));
    expect(form.getAll('livemode')).toEqual([String(livemode)]);
  });

  it('percent-encodes what a form must not carry raw', () => {
    const body = buildFormPayload(
      { ...keeperMobile, description: 'Заказ 42 & co=1', orderId: 'a+b' },
      new Date(0),
    );
    expect(body).toContain('description=%D0%97%D0%B0%D0%BA%D0%B0%D0%B7+42+%26+co%3D1');
    expect(body).toContain('order_id=a%2Bb');
    expect(new URLSearchParams(body).get('description')).toBe('Заказ 42 & co=1');
  });
});

describe('provider attribute names', () => {
  it('publishes the card binding state under its documented name, never over a core field', () => {
    const bound = {
      ...keeperMobile,
      providerAttributes: { recurring_state: 'activated', card_last4: '4242', sequence: '9' },
    };
    const body = JSON.parse(buildPayload(bound, new Date(0))) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({ card_binding_state: 'activated', card_last4: '4242' });
    expect(body.data).not.toHaveProperty('recurring_state');
    expect(body.data.sequence).toBe(1);
  });
});

describe('buildBody', () => {
  it('builds each format from the stored event, identical to building from the event', () => {
    const data = JSON.parse(
      JSON.stringify(toStoredData(keeperMobile, new Date(0))),
    ) as StoredEventData;
    expect(buildBody(data, 'json')).toBe(buildPayload(keeperMobile, new Date(0)));
    expect(buildBody(data, 'form')).toBe(buildFormPayload(keeperMobile, new Date(0)));
  });

  it('keeps livemode through storage, and leaves it out for an event stored before it existed', () => {
    const live = JSON.parse(
      JSON.stringify(toStoredData({ ...keeperMobile, livemode: true }, new Date(0))),
    ) as StoredEventData;
    expect(JSON.parse(buildBody(live, 'json'))).toMatchObject({ data: { livemode: true } });
    expect(new URLSearchParams(buildBody(live, 'form')).get('livemode')).toBe('true');
    // Stored before payment events had a mode: the bytes its first endpoints got, not a guess.
    const older = toStoredData({ ...keeperMobile, livemode: undefined }, new Date(0));
    expect(JSON.stringify(older)).not.toContain('livemode');
    expect(buildBody(older, 'json')).not.toContain('livemode');
    expect(buildBody(older, 'form')).not.toContain('livemode');
  });

  it('stores the receive time for an event without one, so every later body agrees', () => {
    const data = toStoredData({ ...keeperMobile, occurredAt: undefined }, new Date(5_000));
    expect(JSON.parse(buildBody(data, 'json'))).toMatchObject({
      created: '1970-01-01T00:00:05.000Z',
    });
  });

  it('sends a pre-issue-10 event its stored JSON bytes, or those fields as a form', () => {
    const legacy = '{"id":"evt_9","type":"payment.succeeded","created":"x","data":{"amount":5}}';
    expect(buildBody({ legacy_json: legacy }, 'json')).toBe(legacy);
    expect(buildBody({ legacy_json: legacy }, 'form')).toBe(
      'event_id=evt_9&event_type=payment.succeeded&created=x&amount=5',
    );
  });
});

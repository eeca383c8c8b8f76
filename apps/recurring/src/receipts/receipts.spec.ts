import { isDomainError } from '@tolem/errors';
import { money } from '@tolem/money';
import { describe, expect, it } from 'vitest';

import type { Receipt, ReceiptItem } from './receipt';
import { vatCodeOf } from './receipt';
import { DEFAULT_SENDER_POLICY, retryDelayMs } from './sender';
import { normalizePhone, type ReceiptDraft, unitPrice, validateReceipt } from './validation';
import { readRegisteredReceipt, toRegisterRequest } from './wire';

const item = (over: Partial<ReceiptItem> = {}): ReceiptItem => ({
  description: 'Monthly plan',
  quantity: '1',
  amount: money(99_000n, 'RUB'),
  vatCode: 11,
  paymentSubject: 'service',
  paymentMode: 'full_payment',
  ...over,
});

const draft = (over: Partial<ReceiptDraft> = {}): ReceiptDraft => ({
  customer: { email: 'payer@example.com', phone: '', fullName: '', inn: '' },
  items: [item()],
  taxSystemCode: 0,
  settlement: money(99_000n, 'RUB'),
  ...over,
});

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (isDomainError(err)) return err.code;
    throw err;
  }
}

describe('vatCodeOf', () => {
  it.each([
    ['none', 1],
    ['', 1],
    ['vat0', 2],
    ['vat10', 3],
    ['vat20', 4],
    ['vat10_110', 5],
    ['vat20_120', 6],
    ['vat5', 7],
    ['vat7', 8],
    ['vat5_105', 9],
    ['vat7_107', 10],
    ['vat22', 11],
    ['vat22_122', 12],
  ])('maps the merchant rate %j to vat_code %i', (rate, code) => {
    expect(vatCodeOf(rate)).toBe(code);
  });

  it.each(['vat12', 'vat18', 'VAT22', 'toString', 'constructor'])(
    'knows no 54-FZ code for %j',
    (rate) => {
      expect(vatCodeOf(rate)).toBeUndefined();
    },
  );
});

describe('validateReceipt', () => {
  it('accepts a one-line RUB receipt with an email or a phone', () => {
    expect(codeOf(() => validateReceipt(draft()))).toBeUndefined();
    expect(
      codeOf(() =>
        validateReceipt(
          draft({ customer: { email: '', phone: '79123456789', fullName: '', inn: '' } }),
        ),
      ),
    ).toBeUndefined();
  });

  it.each<[string, Partial<ReceiptDraft>, string]>([
    [
      'no contact',
      { customer: { email: '', phone: '', fullName: '', inn: '' } },
      'RECEIPT_CUSTOMER_CONTACT_REQUIRED',
    ],
    [
      'a bad email',
      { customer: { email: 'a@b', phone: '', fullName: '', inn: '' } },
      'RECEIPT_CUSTOMER_EMAIL_INVALID',
    ],
    [
      'a short phone',
      { customer: { email: '', phone: '12345', fullName: '', inn: '' } },
      'RECEIPT_CUSTOMER_PHONE_INVALID',
    ],
    [
      'a phone with letters',
      { customer: { email: '', phone: '7912abc4567', fullName: '', inn: '' } },
      'RECEIPT_CUSTOMER_PHONE_INVALID',
    ],
    [
      'an 11-digit INN',
      { customer: { email: 'a@b.ru', phone: '', fullName: '', inn: '12345678901' } },
      'RECEIPT_CUSTOMER_INN_INVALID',
    ],
    ['no items', { items: [] }, 'RECEIPT_ITEMS_INVALID'],
    [
      'an empty description',
      { items: [item({ description: '  ' })] },
      'RECEIPT_ITEM_DESCRIPTION_INVALID',
    ],
    [
      'a 129-character description',
      { items: [item({ description: 'я'.repeat(129) })] },
      'RECEIPT_ITEM_DESCRIPTION_INVALID',
    ],
    ['quantity 0', { items: [item({ quantity: '0' })] }, 'RECEIPT_ITEM_QUANTITY_INVALID'],
    ['quantity -1', { items: [item({ quantity: '-1' })] }, 'RECEIPT_ITEM_QUANTITY_INVALID'],
    [
      'a zero amount',
      { items: [item({ amount: money(0n, 'RUB') })], settlement: money(0n, 'RUB') },
      'RECEIPT_ITEM_AMOUNT_INVALID',
    ],
    ['vat_code 13', { items: [item({ vatCode: 13 as never })] }, 'RECEIPT_VAT_CODE_INVALID'],
    ['vat_code 0', { items: [item({ vatCode: 0 as never })] }, 'RECEIPT_VAT_CODE_INVALID'],
    [
      'an unknown payment subject',
      { items: [item({ paymentSubject: 'gift' as never })] },
      'RECEIPT_PAYMENT_SUBJECT_INVALID',
    ],
    [
      'an unknown payment mode',
      { items: [item({ paymentMode: 'later' as never })] },
      'RECEIPT_PAYMENT_MODE_INVALID',
    ],
    ['tax system 7', { taxSystemCode: 7 }, 'RECEIPT_TAX_SYSTEM_INVALID'],
    [
      'a KGS charge',
      { items: [item({ amount: money(99_000n, 'KGS') })], settlement: money(99_000n, 'KGS') },
      'RECEIPT_CURRENCY_UNSUPPORTED',
    ],
    [
      'items short of the settlement',
      { settlement: money(99_001n, 'RUB') },
      'RECEIPT_SETTLEMENT_MISMATCH',
    ],
  ])('refuses %s with %s', (_name, over, code) => {
    expect(codeOf(() => validateReceipt(draft(over)))).toBe(code);
  });

  it('counts a description in characters, not bytes (128 Cyrillic letters pass)', () => {
    expect(
      codeOf(() => validateReceipt(draft({ items: [item({ description: 'я'.repeat(128) })] }))),
    ).toBeUndefined();
  });

  it('never puts the phone into the error', () => {
    expect.assertions(1);
    try {
      validateReceipt(draft({ customer: { email: '', phone: '7912x', fullName: '', inn: '' } }));
    } catch (err) {
      expect(
        JSON.stringify({ m: (err as Error).message, d: (err as { details: unknown }).details }),
      ).not.toContain('7912');
    }
  });
});

describe('amounts on the wire', () => {
  it('normalizes a phone as people write it to digits', () => {
    expect(normalizePhone('+7 (912) 345-67-89')).toBe('79123456789');
  });

  it('divides a line into an exact unit price, refusing a remainder', () => {
    expect(unitPrice(item({ quantity: '3', amount: money(99_999n, 'RUB') })).amountMinor).toBe(
      33_333n,
    );
    expect(unitPrice(item({ quantity: '0.5', amount: money(1_000n, 'RUB') })).amountMinor).toBe(
      2_000n,
    );
    expect(codeOf(() => unitPrice(item({ quantity: '3', amount: money(100n, 'RUB') })))).toBe(
      'RECEIPT_ITEM_QUANTITY_INVALID',
    );
  });

  const receipt: Receipt = {
    id: 'rct_1',
    merchantId: 'mer_1',
    type: 'payment',
    paymentId: 'pay_1',
    operationId: 'sop_1',
    chargeId: 'chg_1',
    customer: { email: 'payer@example.com', phone: '', fullName: 'Иван Петров', inn: '' },
    items: [item({ amount: money(1_234_505n, 'RUB') })],
    taxSystemCode: 2,
    settlement: money(1_234_505n, 'RUB'),
    status: 'pending',
    registerReceiptId: '',
    fiscalDocumentNumber: '',
    fiscalStorageNumber: '',
    fiscalAttribute: '',
    registeredAt: undefined,
    sendAttempts: 0,
    lastError: '',
    livemode: false,
    createdAt: new Date(0),
  };

  it("builds YooKassa's body with decimal strings from minor units and leaves empty fields out", () => {
    expect(toRegisterRequest(receipt)).toEqual({
      type: 'payment',
      payment_id: 'pay_1',
      customer: { email: 'payer@example.com', full_name: 'Иван Петров' },
      items: [
        {
          description: 'Monthly plan',
          quantity: '1',
          amount: { value: '12345.05', currency: 'RUB' },
          vat_code: 11,
          payment_subject: 'service',
          payment_mode: 'full_payment',
        },
      ],
      settlements: [{ type: 'cashless', amount: { value: '12345.05', currency: 'RUB' } }],
      tax_system_code: 2,
      send: true,
      metadata: { tolem_receipt_id: 'rct_1', tolem_charge_id: 'chg_1' },
    });
  });

  it("leaves tax_system_code out for the register's default and writes kopecks with two digits", () => {
    const body = toRegisterRequest({
      ...receipt,
      taxSystemCode: 0,
      items: [item({ amount: money(5n, 'RUB') })],
      settlement: money(5n, 'RUB'),
    });
    expect(body).not.toHaveProperty('tax_system_code');
    expect(body.settlements[0]?.amount.value).toBe('0.05');
  });

  it("reads the register's receipt object", () => {
    expect(
      readRegisteredReceipt({
        id: 'rt-1',
        status: 'succeeded',
        fiscal_document_number: '12',
        fiscal_storage_number: '9999078902004567',
        fiscal_attribute: '0123456789',
        registered_at: '2026-12-06T10:00:00.000Z',
      }),
    ).toEqual({
      id: 'rt-1',
      status: 'succeeded',
      fiscalDocumentNumber: '12',
      fiscalStorageNumber: '9999078902004567',
      fiscalAttribute: '0123456789',
      registeredAt: new Date('2026-12-06T10:00:00.000Z'),
    });
    expect(readRegisteredReceipt({ type: 'error' })).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    const p = { ...DEFAULT_SENDER_POLICY, retryBaseMs: 1_000, retryMaxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 40].map((n) => retryDelayMs(p, n))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});

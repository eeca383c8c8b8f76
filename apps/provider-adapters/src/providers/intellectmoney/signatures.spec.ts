import { describe, expect, it } from 'vitest';

import vectors from './__fixtures__/vectors.json';
import {
  DEFAULT_NOTIFICATION_HASH_ORDER,
  GET_SCHEDULED_OPERATION_SIGN,
  hexEquals,
  INVOICE_ID_NOTIFICATION_HASH_ORDER,
  notificationHashes,
  parseHashOrder,
  personalApiSign,
  purchaseHash,
  SET_SCHEDULED_OPERATION_SIGN,
} from './signatures';

const fields = (o: Record<string, string>) => new Map(Object.entries(o));
const SECRET = vectors.secretKey;

describe('IntellectMoney form hash (protocols.md §3.3 vectors)', () => {
  it('reproduces purchaseHash with and without recurringType=Activate', () => {
    const f = vectors.purchase.fields;
    expect(purchaseHash(f, SECRET)).toBe(vectors.purchase.hash);
    expect(purchaseHash({ ...f, recurringType: 'Activate' }, SECRET)).toBe(
      vectors.purchase.hashActivate,
    );
  });

  it('changes with any signed value or another key (negative vectors)', () => {
    const f = vectors.purchase.fields;
    expect(purchaseHash({ ...f, recipientAmount: '100.01' }, SECRET)).not.toBe(
      vectors.purchase.hash,
    );
    expect(purchaseHash({ ...f, recipientAmount: '100' }, SECRET)).not.toBe(vectors.purchase.hash);
    expect(purchaseHash(f, 'secret124')).not.toBe(vectors.purchase.hash);
    // A form signed without binding cannot be turned into a binding one.
    expect(purchaseHash({ ...f, recurringType: 'Activate' }, SECRET)).not.toBe(
      vectors.purchase.hash,
    );
  });
});

describe('IntellectMoney notification hash (§3.4)', () => {
  const n = vectors.notification;

  it('reproduces the legacy-order vector, the default order', () => {
    expect(DEFAULT_NOTIFICATION_HASH_ORDER.join('::')).toBe(
      'eshopId::orderId::serviceName::eshopAccount::recipientAmount::recipientCurrency::paymentStatus::userName::userEmail::paymentData::secretKey',
    );
    expect(notificationHashes(fields(n.fields), DEFAULT_NOTIFICATION_HASH_ORDER, SECRET)).toEqual([
      n.legacyHash,
    ]);
  });

  it('reproduces the InvoiceId variant, taking invoiceId from paymentId', () => {
    expect(
      notificationHashes(fields(n.fields), INVOICE_ID_NOTIFICATION_HASH_ORDER, SECRET),
    ).toEqual([n.invoiceIdHash]);
    expect(
      notificationHashes(fields(n.fields), DEFAULT_NOTIFICATION_HASH_ORDER, SECRET),
    ).not.toContain(n.invoiceIdHash);
  });

  it('offers the UTF-8 and the windows-1251 hash when values are Cyrillic', () => {
    const c = vectors.cyrillicNotification;
    expect(notificationHashes(fields(c.fields), DEFAULT_NOTIFICATION_HASH_ORDER, SECRET)).toEqual([
      c.utf8Hash,
      c.cp1251Hash,
    ]);
  });

  it('keeps missing fields as empty segments and matches names case-insensitively', () => {
    const without = fields({ ...n.fields, userName: '' });
    const lower = new Map([...fields(n.fields)].map(([k, v]) => [k.toLowerCase(), v]));
    expect(notificationHashes(lower, DEFAULT_NOTIFICATION_HASH_ORDER, SECRET)).toEqual([
      n.legacyHash,
    ]);
    expect(notificationHashes(without, DEFAULT_NOTIFICATION_HASH_ORDER, SECRET)).not.toContain(
      n.legacyHash,
    );
    expect(
      notificationHashes(
        fields({ ...n.fields, recipientAmount: '10.00' }),
        DEFAULT_NOTIFICATION_HASH_ORDER,
        SECRET,
      ),
    ).not.toContain(n.legacyHash);
  });

  it('parses INTELLECTMONEY_HASH_ORDER and refuses orders without exactly one secretKey', () => {
    expect(parseHashOrder('legacy')).toBe(DEFAULT_NOTIFICATION_HASH_ORDER);
    expect(parseHashOrder('')).toBe(DEFAULT_NOTIFICATION_HASH_ORDER);
    expect(parseHashOrder('invoice_id')).toBe(INVOICE_ID_NOTIFICATION_HASH_ORDER);
    expect(parseHashOrder('eshopId::orderId::secretKey')).toEqual([
      'eshopId',
      'orderId',
      'secretKey',
    ]);
    expect(() => parseHashOrder('eshopId::orderId')).toThrow(/secretKey exactly once/);
    expect(() => parseHashOrder('eshopId::secretKey::SecretKey')).toThrow(/exactly once/);
    expect(() => parseHashOrder('eshopId::order id::secretKey')).toThrow(/not a field name/);
    expect(() => parseHashOrder('secretKey')).toThrow(/at least two fields/);
  });
});

describe('IntellectMoney Personal API Sign (§3.5)', () => {
  const p = vectors.personalApi;

  it('is SHA-256 over the documented patterns, empty segments kept, the key last', () => {
    expect(personalApiSign(SET_SCHEDULED_OPERATION_SIGN, p.set.values, p.signSecret)).toBe(
      p.set.sign,
    );
    expect(personalApiSign(GET_SCHEDULED_OPERATION_SIGN, p.get.values, p.signSecret)).toBe(
      p.get.sign,
    );
  });

  it('changes with the values, the key and the method (negative vectors)', () => {
    expect(
      personalApiSign(
        SET_SCHEDULED_OPERATION_SIGN,
        { ...p.set.values, IsSingle: '0' },
        p.signSecret,
      ),
    ).not.toBe(p.set.sign);
    expect(personalApiSign(SET_SCHEDULED_OPERATION_SIGN, p.set.values, 'other')).not.toBe(
      p.set.sign,
    );
    // The set pattern has no Skip/Take: the same values sign differently per method.
    expect(personalApiSign(SET_SCHEDULED_OPERATION_SIGN, p.get.values, p.signSecret)).not.toBe(
      p.get.sign,
    );
  });

  it('compares hex in constant time, ignoring case, never equal across lengths', () => {
    expect(hexEquals(p.set.sign.toUpperCase(), p.set.sign)).toBe(true);
    expect(hexEquals(p.set.sign.slice(0, 32), p.set.sign)).toBe(false);
  });
});

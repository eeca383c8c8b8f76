import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  INVOICE_ID_HASH_ORDER,
  LEGACY_HASH_ORDER,
  notificationHash,
  parseHashOrder,
  personalSign,
  purchaseHash,
  sameHex,
} from './signing';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// protocols.md §3.3 / §3.4 self-computed examples.
const FORM = {
  eshopId: '450000',
  orderId: 'ORDER-42',
  serviceName: 'Test order',
  recipientAmount: '100.00',
  recipientCurrency: 'TST',
};
const NOTIFICATION: Array<[string, string]> = [
  ['eshopId', '450000'],
  ['paymentId', '3000000001'],
  ['orderId', 'ORDER-42'],
  ['eshopAccount', '1234567'],
  ['serviceName', 'Test order'],
  ['recipientAmount', '100.00'],
  ['recipientCurrency', 'TST'],
  ['paymentStatus', '5'],
  ['userName', 'Ivan'],
  ['userEmail', 'ivan@example.com'],
  ['paymentData', '2024-01-02 03:04:05'],
];

describe('purchaseHash (form hash)', () => {
  it('matches the protocols.md vector', () => {
    expect(purchaseHash(FORM, 'secret123')).toBe('3536088f07edcf783e525c81a417f9f0');
  });

  it('matches the recurring vector with recurringType=Activate before the key', () => {
    expect(purchaseHash({ ...FORM, recurringType: 'Activate' }, 'secret123')).toBe(
      'be7f89c37952fcc24bb4c5004a4d5bfc',
    );
  });

  it('changes with every value and the key, and keeps empty segments', () => {
    const base = purchaseHash(FORM, 'secret123');
    expect(purchaseHash({ ...FORM, recipientAmount: '100.01' }, 'secret123')).not.toBe(base);
    expect(purchaseHash({ ...FORM, orderId: 'ORDER-43' }, 'secret123')).not.toBe(base);
    expect(purchaseHash(FORM, 'secret124')).not.toBe(base);
    expect(purchaseHash({ ...FORM, serviceName: '' }, 'k')).toBe(
      md5('450000::ORDER-42::::100.00::TST::k'),
    );
  });
});

describe('notificationHash', () => {
  it('matches the protocols.md legacy vector', () => {
    expect(notificationHash(NOTIFICATION, LEGACY_HASH_ORDER, 'secret123')).toBe(
      'b4b181f05d057c0a30783f6989ca62e7',
    );
  });

  it('does not match the vector with another status, amount or key', () => {
    const other = (name: string, value: string) =>
      NOTIFICATION.map(([n, v]): [string, string] => [n, n === name ? value : v]);
    const good = 'b4b181f05d057c0a30783f6989ca62e7';
    expect(notificationHash(other('paymentStatus', '3'), LEGACY_HASH_ORDER, 'secret123')).not.toBe(
      good,
    );
    expect(
      notificationHash(other('recipientAmount', '100.01'), LEGACY_HASH_ORDER, 'secret123'),
    ).not.toBe(good);
    expect(notificationHash(NOTIFICATION, LEGACY_HASH_ORDER, 'secret124')).not.toBe(good);
  });

  it('signs the invoice_id order with paymentId as InvoiceId', () => {
    expect(notificationHash(NOTIFICATION, INVOICE_ID_HASH_ORDER, 'secret123')).toBe(
      md5(
        '450000::3000000001::ORDER-42::1234567::Test order::100.00::TST::5::Ivan::ivan@example.com::2024-01-02 03:04:05::secret123',
      ),
    );
  });

  it('keeps a missing field as an empty segment and matches names in any case', () => {
    const order = parseHashOrder('EshopId::UserName::SecretKey');
    expect(order).toBeDefined();
    expect(notificationHash([['eshopid', '1']], order ?? [], 'k')).toBe(md5('1::::k'));
  });
});

describe('parseHashOrder', () => {
  it('knows the presets and explicit lists', () => {
    expect(parseHashOrder(undefined)).toBe(LEGACY_HASH_ORDER);
    expect(parseHashOrder('legacy')).toBe(LEGACY_HASH_ORDER);
    expect(parseHashOrder('invoice_id')).toBe(INVOICE_ID_HASH_ORDER);
    expect(parseHashOrder('a::secretKey::b')).toEqual(['a', 'secretKey', 'b']);
  });

  it('refuses lists without exactly one secretKey or with odd names', () => {
    expect(parseHashOrder('a::b')).toBeUndefined();
    expect(parseHashOrder('a::secretKey::SecretKey')).toBeUndefined();
    expect(parseHashOrder('a b::secretKey')).toBeUndefined();
    expect(parseHashOrder('sha256')).toBeUndefined();
  });
});

describe('personalSign (Personal API Sign header)', () => {
  const values: Record<string, string> = {
    UserToken: 'tok',
    ObjectId: '3000000001',
    ObjectTypeVal: '1',
    ParamsJson: '{"Amount":"100"}',
    RepeatPlan: '0 0 12 1/4 * ? *',
    RetryOnFailPlan: '0 0/15 * 1/1 * ? *',
    RetryOnFailCount: '3',
    IsSingle: '0',
    FireOnSkip: '0',
    State: '0',
    EndExecDate: '01.01.2030',
    Skip: '0',
    Take: '10',
  };
  const valueOf = (name: string) => values[name] ?? '';

  it('setScheduledOperationData: SHA-256 of the §3.5 pattern with two empty pairs kept', () => {
    expect(personalSign('setScheduledOperationData', valueOf, 'ssk')).toBe(
      sha256(
        'tok::::::::3000000001::1::{"Amount":"100"}::0 0 12 1/4 * ? *::0 0/15 * 1/1 * ? *::3::0::0::0::::::01.01.2030::ssk',
      ),
    );
  });

  it('getScheduledOperationData: Skip/Take first, EndExecDate segment empty', () => {
    expect(personalSign('getScheduledOperationData', valueOf, 'ssk')).toBe(
      sha256(
        'tok::0::10::::3000000001::1::{"Amount":"100"}::0 0 12 1/4 * ? *::0 0/15 * 1/1 * ? *::3::0::0::0::::::::ssk',
      ),
    );
  });

  it('is plain SHA-256, not HMAC, and depends on the key', () => {
    const sign = personalSign('chargeBoundCard', valueOf, 'ssk');
    expect(sign).toBe(sha256('tok::3000000001::::::::ssk'));
    expect(personalSign('chargeBoundCard', valueOf, 'other')).not.toBe(sign);
  });
});

describe('comparisons', () => {
  it('compare hex case-insensitively', () => {
    expect(sameHex('abcdef', 'ABCDEF')).toBe(true);
    expect(sameHex('abcdef', 'abcdee')).toBe(false);
    expect(sameHex('abcdef', 'abcde')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';

import vector from './__fixtures__/notification-purse.json';
import {
  hexEquals,
  lmiHash,
  lmiHash2,
  lmiHashType,
  type NotificationSignedFields,
  paymentFormSign,
} from './signatures';

const f = vector.fields;
const signed: NotificationSignedFields = {
  payeePurse: f.LMI_PAYEE_PURSE,
  amount: f.LMI_PAYMENT_AMOUNT,
  paymentNo: f.LMI_PAYMENT_NO,
  mode: f.LMI_MODE,
  invoiceNo: f.LMI_SYS_INVS_NO,
  transferNo: f.LMI_SYS_TRANS_NO,
  transferDate: f.LMI_SYS_TRANS_DATE,
  payerPurse: f.LMI_PAYER_PURSE,
  payerWmid: f.LMI_PAYER_WM,
};

describe('WebMoney signatures (protocols.md §1.5, §1.6 public vectors)', () => {
  it('reproduces LMI_HASH as MD5 and SHA-256', () => {
    expect(lmiHash(signed, vector.secretKey, 'md5')).toBe('1D3FFAFA982B134479C4AD1AE2CABB5C');
    expect(lmiHash(signed, vector.secretKey, 'sha256')).toBe(
      '0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E5',
    );
  });

  it('reproduces LMI_HASH2 and moves it with LMI_HOLD', () => {
    expect(lmiHash2(signed, vector.secretKey)).toBe(
      '76779BA0135594E6CAB3F1582CC92835F2B7005EFD98F918EC66B4258B09B774',
    );
    expect(lmiHash2({ ...signed, hold: '3' }, vector.secretKey)).not.toBe(vector.expected.hash2);
  });

  it('tells the negative vectors apart', () => {
    const good = lmiHash(signed, vector.secretKey, 'sha256');
    expect(hexEquals(vector.rejected.lastCharChanged, good)).toBe(false);
    expect(hexEquals(vector.rejected.signedForMode0, good)).toBe(false);
    expect(lmiHash({ ...signed, mode: '0' }, vector.secretKey, 'sha256')).toBe(
      vector.rejected.signedForMode0,
    );
    expect(hexEquals(good.toLowerCase(), good)).toBe(true);
    expect(hexEquals(good.slice(0, 32), good)).toBe(false);
    expect(lmiHash(signed, 'another secret', 'sha256')).not.toBe(good);
  });

  it('recognises the hash type by length', () => {
    expect(lmiHashType(vector.expected.md5)).toBe('md5');
    expect(lmiHashType(vector.expected.sha256)).toBe('sha256');
    expect(lmiHashType(vector.rejected.signForm)).toBe('sign');
    expect(lmiHashType(vector.rejected.tooShort)).toBeUndefined();
    expect(lmiHashType('Z'.repeat(64))).toBeUndefined();
  });

  it('signs the payment form with a trailing semicolon', () => {
    // sha256("Z145179295679;12.08;42;secret;"), computed independently with sha256sum.
    expect(paymentFormSign('Z145179295679', '12.08', '42', 'secret')).toBe(
      'CF1866EDA928D7FC5ED3D45515AB020806E15673F42771AB7C056C3CA30B63A6',
    );
  });
});

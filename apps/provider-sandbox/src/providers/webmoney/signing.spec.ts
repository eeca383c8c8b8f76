import { describe, expect, it } from 'vitest';

import { lmiHash, lmiHash2, paymentFormSign, sameHex, type SignedValues } from './signing';

// Public fixture: hiqsol-attic/omnipay-webmoney tests/unit/Message/CompletePurchaseResponseTest.php
const SECRET = '226778888';
const FIXTURE: SignedValues = {
  payeePurse: 'Z123428476799',
  amount: '14.65',
  paymentNo: '1444212666',
  mode: '1',
  sysInvsNo: '897',
  sysTransNo: '892',
  sysTransDate: '20151007 13:07:36',
  payerPurse: 'Z366393600555',
  payerWm: '404521188333',
};

describe('LMI_HASH', () => {
  it('matches the public MD5 vector', () => {
    expect(lmiHash(FIXTURE, SECRET, 'md5')).toBe('1D3FFAFA982B134479C4AD1AE2CABB5C');
  });

  it('matches the public SHA-256 vector', () => {
    expect(lmiHash(FIXTURE, SECRET, 'sha256')).toBe(
      '0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E5',
    );
  });

  it('does not produce the fixture negatives', () => {
    const sha = lmiHash(FIXTURE, SECRET, 'sha256');
    expect(sha).not.toBe('0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E1');
    expect(sha.startsWith('4F7D9F')).toBe(false);
    expect(sameHex(sha, '0B12E75431284D6FCC05D8AF02B90AC28A0788FB95C9FF6B655344022F0746E1')).toBe(
      false,
    );
  });

  it('changes with any signed value or the secret', () => {
    const base = lmiHash(FIXTURE, SECRET, 'sha256');
    expect(lmiHash({ ...FIXTURE, amount: '14.66' }, SECRET, 'sha256')).not.toBe(base);
    expect(lmiHash({ ...FIXTURE, payerWm: '404521188334' }, SECRET, 'sha256')).not.toBe(base);
    expect(lmiHash(FIXTURE, '226778889', 'sha256')).not.toBe(base);
  });

  it('ignores LMI_HOLD', () => {
    expect(lmiHash({ ...FIXTURE, hold: '3' }, SECRET, 'md5')).toBe(
      '1D3FFAFA982B134479C4AD1AE2CABB5C',
    );
  });
});

describe('LMI_HASH2', () => {
  it('matches the vector computed on the public fixture', () => {
    expect(lmiHash2(FIXTURE, SECRET)).toBe(
      '76779BA0135594E6CAB3F1582CC92835F2B7005EFD98F918EC66B4258B09B774',
    );
  });

  it('puts LMI_HOLD right after the amount', () => {
    const withHold = lmiHash2({ ...FIXTURE, hold: '3' }, SECRET);
    expect(withHold).not.toBe('76779BA0135594E6CAB3F1582CC92835F2B7005EFD98F918EC66B4258B09B774');
    // Same string as the plain formula with the amount field carrying "14.65;3".
    expect(withHold).toBe(lmiHash2({ ...FIXTURE, amount: '14.65;3' }, SECRET));
  });

  it('is not the separator-free LMI_HASH', () => {
    expect(lmiHash2(FIXTURE, SECRET)).not.toBe(lmiHash(FIXTURE, SECRET, 'sha256'));
  });
});

describe('LMI_PAYMENTFORM_SIGN', () => {
  it('is SHA-256 of purse;amount;no;secret; with the trailing separator', () => {
    // sha256("Z123428476799;14.65;1444212666;x20secret;"), computed independently with coreutils.
    expect(paymentFormSign('Z123428476799', '14.65', '1444212666', 'x20secret')).toBe(
      '7FBCB0D075F078EFD4F222A521611E2D8600A91615E1E76268C80A9F593D870B',
    );
  });
});

describe('sameHex', () => {
  it('ignores hex case and refuses different lengths', () => {
    expect(sameHex('ABCDEF', 'abcdef')).toBe(true);
    expect(sameHex('ABCDEF', 'ABCDE')).toBe(false);
    expect(sameHex('ABCDEF', 'ABCDEE')).toBe(false);
  });
});

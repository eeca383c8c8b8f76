import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { decodeElqr, elqrChecksum, parseTlv, payloadOfLink } from './elqr';

// protocols.md §5.2 public Finik vectors.
const FINIK_DYNAMIC =
  '00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';
const FINIK_STATIC =
  '00020101021132750011qr.finik.kg0114averspay-items10326cc60f3c453e4286ae7bbbed49208ead1302125204482953034175908Finik-QR630424e3';

/** Builds a payload with a correct checksum, by the test's own code. */
function withChecksum(body: string): string {
  const before = `${body}6304`;
  const sum = createHash('sha256').update(body, 'utf8').digest('hex').slice(-4);
  return `${before}${sum}`;
}
const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;

describe('ELQR checksum (ID 63)', () => {
  it('matches both Finik vectors', () => {
    expect(elqrChecksum(FINIK_DYNAMIC.slice(0, -8))).toBe('b127');
    expect(elqrChecksum(FINIK_STATIC.slice(0, -8))).toBe('24e3');
  });

  it('refuses a payload with one character changed, or a wrong checksum', () => {
    const edited = FINIK_DYNAMIC.replace('54071241200', '54071241300');
    expect(edited).not.toBe(FINIK_DYNAMIC);
    expect(() => decodeElqr(edited)).toThrow(/checksum/);
    expect(() => decodeElqr(`${FINIK_DYNAMIC.slice(0, -4)}b128`)).toThrow(/checksum/);
  });

  it('accepts an upper-case checksum', () => {
    expect(decodeElqr(`${FINIK_DYNAMIC.slice(0, -4)}B127`).qrId).toBe(
      '8606240d690d42e4b036d3dba9d0371a',
    );
  });
});

describe('decodeElqr', () => {
  it('reads the Finik dynamic link with its amount in tyiyn and recipient as qr_id', () => {
    const p = decodeElqr(`https://qr.finik.kg/#${FINIK_DYNAMIC}`);
    expect(p).toMatchObject({
      kind: 'dynamic',
      providerId: 'qr.finik.kg',
      serviceCode: 'averspay-items',
      recipientId: '8606240d690d42e4b036d3dba9d0371a',
      qrId: '8606240d690d42e4b036d3dba9d0371a',
      amountTyiyn: 1241200n,
      amountEditable: false,
      currency: 'KGS',
      mcc: '4829',
      merchantName: 'Finik-QR',
    });
    expect(p.transactionId).toBeUndefined();
  });

  it('reads the Finik static link without an amount', () => {
    const p = decodeElqr(FINIK_STATIC);
    expect(p.kind).toBe('static');
    expect(p.amountTyiyn).toBeUndefined();
  });

  it('prefers 32/11 transactionId, counts lengths in characters, shows visible extra fields', () => {
    const payload = withChecksum(
      tlv('00', '01') +
        tlv('01', '12') +
        tlv(
          '32',
          tlv('00', 'pay.tolem.kg') + tlv('01', 'shop') + tlv('10', 'rcp') + tlv('11', 'qr_01abc'),
        ) +
        tlv('34', 'Заказ №5') +
        tlv('35', tlv('00', 'order:Order:42:Order no:11') + tlv('01', 'x:Hidden:1:h:12')) +
        tlv('53', '417') +
        tlv('52', '5812') +
        tlv('54', '150000') +
        tlv('59', 'Кафе'),
    );
    const p = decodeElqr(`https://pay.payqr.kg/#${encodeURIComponent(payload)}`);
    expect(p).toMatchObject({
      qrId: 'qr_01abc',
      comment: 'Заказ №5',
      merchantName: 'Кафе',
      amountTyiyn: 150000n,
    });
    expect(p.extraFields).toEqual([
      { key: 'order', label: 'Order', value: '42', title: 'Order no' },
    ]);
  });

  it('reads every additional field (IDs 35-39) into its parts, hidden ones too, in payload order', () => {
    const payload = withChecksum(
      tlv('00', '01') +
        tlv('01', '12') +
        tlv('32', tlv('00', 'pay.tolem.kg') + tlv('01', 'shop') + tlv('11', 'qr_01abc')) +
        tlv('53', '417') +
        tlv('39', tlv('07', 'desk:Касса:3:Cash desk:11')) +
        tlv('35', tlv('00', 'order:Order:42:Order no:11') + tlv('01', 'ref:Ref:r-9::12')) +
        tlv('54', '100'),
    );
    const p = decodeElqr(payload);
    expect(p.additionalData).toEqual([
      {
        id: '35',
        subId: '00',
        key: 'order',
        label: 'Order',
        value: '42',
        title: 'Order no',
        visible: true,
      },
      { id: '35', subId: '01', key: 'ref', label: 'Ref', value: 'r-9', title: '', visible: false },
      {
        id: '39',
        subId: '07',
        key: 'desk',
        label: 'Касса',
        value: '3',
        title: 'Cash desk',
        visible: true,
      },
    ]);
    expect(p.extraFields.map((f) => f.key)).toEqual(['order', 'desk']);
    expect(decodeElqr(FINIK_STATIC).additionalData).toEqual([]);
  });

  it.each([
    [
      'four parts',
      'order:Order:42:11',
      /35\/00: additional fields are key:label:value:title:visible/,
    ],
    [
      'a visibility other than 11 or 12',
      'order:Order:42:T:10',
      /35\/00: visibility must be 11 or 12/,
    ],
    ['an empty key', ':Order:42:T:11', /35\/00: the key is empty/],
    ['a colon inside a value', 'time:At:12:30:T:11', /35\/00: additional fields/],
  ])('refuses an additional field with %s', (_what, field, message) => {
    const payload = withChecksum(
      tlv('00', '01') +
        tlv('32', tlv('00', 'p') + tlv('01', 's') + tlv('10', 'r')) +
        tlv('35', tlv('00', field)) +
        tlv('53', '417'),
    );
    expect(() => decodeElqr(payload)).toThrow(message);
  });

  it('refuses other currencies, missing 32, emoji, trailing data after 63, repeated IDs', () => {
    const base = (extra: string, currency = '417') =>
      withChecksum(
        tlv('00', '01') +
          tlv('32', tlv('00', 'p') + tlv('01', 's') + tlv('10', 'r')) +
          tlv('53', currency) +
          extra,
      );
    expect(() => decodeElqr(base('', '840'))).toThrow(/KGS/);
    expect(() => decodeElqr(withChecksum(tlv('00', '01') + tlv('53', '417')))).toThrow(/32/);
    expect(() => decodeElqr(base(tlv('34', '🙂')))).toThrow(/BMP/);
    expect(() => decodeElqr(`${base('')}5902ab`)).toThrow(/last element/);
    expect(() => decodeElqr(base(tlv('53', '417')))).toThrow(/twice/);
  });

  it('takes everything after the first # and percent-decodes it', () => {
    expect(payloadOfLink('https://app.mbank.kg/qr/#00%2001')).toBe('00 01');
    expect(payloadOfLink('  0002  ')).toBe('0002');
    expect(parseTlv('000201')).toEqual([{ id: '00', value: '01', start: 0 }]);
  });
});

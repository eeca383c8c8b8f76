import { describe, expect, it } from 'vitest';

import {
  buildElqrPayload,
  decodeTlvs,
  type ElqrAdditionalField,
  elqrChecksum,
  ElqrError,
  type ElqrPayment,
  encodeTlv,
  parseElqrPayload,
  verifyElqrChecksum,
} from './index';

// Public real-world vectors (protocols.md §5.2).
const FINIK_DYNAMIC =
  '00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';
const FINIK_STATIC =
  '00020101021132750011qr.finik.kg0114averspay-items10326cc60f3c453e4286ae7bbbed49208ead1302125204482953034175908Finik-QR630424e3';

const signed = (body: string): string => body + encodeTlv('63', elqrChecksum(body));
const staticBody = FINIK_STATIC.slice(0, -8);

function errorOf(fn: () => unknown): Pick<ElqrError, 'code' | 'field' | 'offset'> | 'no error' {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ElqrError)) throw err;
    return { code: err.code, field: err.field, offset: err.offset };
  }
  return 'no error';
}

const field = (key: string, visible = true): ElqrAdditionalField => ({
  key,
  label: 'Заказ',
  value: 'A-17',
  title: 'Order',
  visible,
});

describe('additional fields (IDs 35–39)', () => {
  it('parses key, label, value, title and visibility of each sub-element', () => {
    const payload = signed(
      `${staticBody}${encodeTlv('35', `${encodeTlv('00', 'order:Заказ:A-17:Order:11')}${encodeTlv('01', 'inn:ИНН:123:Payer:12')}`)}`,
    );
    const parsed = parseElqrPayload(payload);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.additional).toEqual([
      { key: 'order', label: 'Заказ', value: 'A-17', title: 'Order', visible: true },
      { key: 'inn', label: 'ИНН', value: '123', title: 'Payer', visible: false },
    ]);
    expect(parsed.payment.extra).toBeUndefined();
  });

  it('builds them canonically into 35 and rebuilds a parsed payload byte for byte', () => {
    const payment: ElqrPayment = {
      ...parseElqrPayload(FINIK_STATIC).payment,
      additional: [field('order'), field('branch', false)],
    };
    const payload = buildElqrPayload(payment);
    expect(payload).toContain('35590025order:Заказ:A-17:Order:110126branch:Заказ:A-17:Order:12');
    expect(decodeTlvs(payload).map((e) => e.id)).toEqual([
      '00',
      '01',
      '32',
      '35',
      '52',
      '53',
      '59',
      '63',
    ]);
    expect(parseElqrPayload(payload).payment).toEqual(payment);
    expect(buildElqrPayload(parseElqrPayload(payload).payment)).toBe(payload);
  });

  it('packs fields into 35 → 39 as space runs out, and refuses what does not fit 39', () => {
    const wide = (i: number): ElqrAdditionalField => ({
      key: `k${i}`,
      label: 'L'.repeat(20),
      value: 'V'.repeat(20),
      title: 'T'.repeat(20),
      visible: true,
    }); // 71 characters + 4 header: one per template
    const base = parseElqrPayload(FINIK_STATIC).payment;
    const five = [0, 1, 2, 3, 4].map(wide);
    const payload = buildElqrPayload({ ...base, additional: five });
    const ids = decodeTlvs(payload).map((e) => e.id);
    expect(ids.filter((id) => id >= '35' && id <= '39')).toEqual(['35', '36', '37', '38', '39']);
    expect(parseElqrPayload(payload).payment.additional).toEqual(five);
    expect(errorOf(() => buildElqrPayload({ ...base, additional: [...five, wide(5)] }))).toEqual({
      code: 'ELQR_VALUE_TOO_LONG',
      field: '39',
      offset: undefined,
    });
    const huge = { ...wide(0), value: 'V'.repeat(60) }; // 108 characters: no template holds it
    expect(errorOf(() => buildElqrPayload({ ...base, additional: [huge] }))).toMatchObject({
      code: 'ELQR_VALUE_TOO_LONG',
      field: 'additional[0]',
    });
  });

  it('reads templates out of canonical order, fields ordered 35 → 39', () => {
    const body = `${staticBody}${encodeTlv('36', encodeTlv('00', 'b:B:2:T:11'))}${encodeTlv('35', encodeTlv('00', 'a:A:1:T:11'))}`;
    const parsed = parseElqrPayload(signed(body));
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.additional?.map((f) => f.key)).toEqual(['a', 'b']);
  });

  it('refuses ":" inside a part when building, because it would shift the later parts', () => {
    const base = parseElqrPayload(FINIK_STATIC).payment;
    expect(
      errorOf(() => buildElqrPayload({ ...base, additional: [{ ...field('x'), value: '10:30' }] })),
    ).toMatchObject({ code: 'ELQR_INVALID_VALUE', field: 'additional[0]' });
    expect(errorOf(() => buildElqrPayload({ ...base, additional: [field('')] }))).toMatchObject({
      code: 'ELQR_INVALID_VALUE',
      field: 'additional[0]',
    });
  });

  it('names the sub-element and its offset when a field is malformed', () => {
    const at35 = staticBody.length; // the 35 template starts right after the Finik body
    const withFields = (...values: string[]) =>
      signed(
        `${staticBody}${encodeTlv('35', values.map((v, i) => encodeTlv(`0${i}`, v)).join(''))}`,
      );
    // 35 header (4) + 00 sub-element (4 + 10) = the 01 sub-element's offset
    expect(errorOf(() => parseElqrPayload(withFields('a:A:1:T:11', 'b:B:2:11')))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '35/01',
      offset: at35 + 4 + 14,
    });
    expect(errorOf(() => parseElqrPayload(withFields('a:A:1:T:x:11')))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '35/00',
      offset: at35 + 4,
    });
    expect(errorOf(() => parseElqrPayload(withFields('a:A:1:T:13')))).toEqual({
      code: 'ELQR_INVALID_VALUE',
      field: '35/00',
      offset: at35 + 4,
    });
    expect(errorOf(() => parseElqrPayload(withFields(':A:1:T:11')))).toMatchObject({
      code: 'ELQR_MALFORMED',
      field: '35/00',
    });
    const twice = signed(`${staticBody}${encodeTlv('35', '0010a:A:1:T:110010b:B:2:T:11')}`);
    expect(errorOf(() => parseElqrPayload(twice))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '35/00',
      offset: at35 + 4 + 14,
    });
    const badSub = signed(`${staticBody}${encodeTlv('35', '0099a:A')}`);
    expect(errorOf(() => parseElqrPayload(badSub))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '35/00',
      offset: at35 + 4,
    });
  });
});

describe('real-world shapes', () => {
  it('keeps amount 0 on a static link (54010) and rebuilds it', () => {
    const payload = signed(`${staticBody.replace('5908Finik-QR', '')}540105908Finik-QR`);
    const parsed = parseElqrPayload(payload);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.type).toBe('static');
    expect(parsed.payment.amountTyiyn).toBe(0n);
    expect(buildElqrPayload(parsed.payment)).toBe(payload);
    expect(buildElqrPayload({ ...parsed.payment, amountTyiyn: 0n })).toContain('540105908');
  });

  it('keeps Cyrillic, ":" and "#" inside a comment as plain text', () => {
    const comment = 'Оплата: заказ №7 #2, 10:30';
    const payment: ElqrPayment = { ...parseElqrPayload(FINIK_DYNAMIC).payment, comment };
    const payload = buildElqrPayload(payment);
    expect(payload).toContain(`3426${comment}`);
    const parsed = parseElqrPayload(payload, { verifyChecksum: true });
    expect(parsed.payment.comment).toBe(comment);
    expect(parsed.payment.additional).toBeUndefined();
  });

  it('accepts mixed-case checksums and hashes Elcart-style out-of-order fields as received', () => {
    // Elcart puts 53 before 52; the 59 name is moved first too.
    const body = staticBody.replace('520448295303417', '530341752044829');
    const reordered = `${body.slice(0, 12)}5908Finik-QR${body.slice(12).replace('5908Finik-QR', '')}`;
    const payload = signed(reordered);
    const upper = payload.slice(0, -4) + payload.slice(-4).toUpperCase();
    const parsed = parseElqrPayload(upper, { verifyChecksum: true });
    expect(parsed.payment).toEqual(parseElqrPayload(FINIK_STATIC).payment);
    // building stays canonical: the same payment rebuilds as the Finik original
    expect(buildElqrPayload(parsed.payment)).toBe(FINIK_STATIC);
    expect(verifyElqrChecksum(FINIK_DYNAMIC.replace(/b127$/, 'B127'))).toBe(true);
  });

  it('accepts a checksum written in mixed case (one letter upper, one lower)', () => {
    // the first comment whose checksum has two hex letters
    let n = 0;
    let payload = signed(`${staticBody}${encodeTlv('34', 'n0')}`);
    while ((payload.slice(-4).match(/[a-f]/g) ?? []).length < 2) {
      n += 1;
      payload = signed(`${staticBody}${encodeTlv('34', `n${n}`)}`);
    }
    const mixed = payload.slice(0, -4) + payload.slice(-4).replace(/[a-f]/, (c) => c.toUpperCase());
    expect(mixed.slice(-4)).toMatch(/[A-F]/);
    expect(mixed.slice(-4)).toMatch(/[a-f]/);
    const parsed = parseElqrPayload(mixed, { verifyChecksum: true });
    expect(parsed.checksum).toBe(mixed.slice(-4));
    expect(parsed.payment.comment).toBe(`n${n}`);
  });

  it('parses both Finik vectors with checksum verification on', () => {
    expect(parseElqrPayload(FINIK_DYNAMIC, { verifyChecksum: true }).payment.amountTyiyn).toBe(
      1_241_200n,
    );
    expect(
      parseElqrPayload(FINIK_STATIC, { verifyChecksum: true }).payment.service.recipientId,
    ).toBe('6cc60f3c453e4286ae7bbbed49208ead');
  });
});

describe('uninterpreted sub-elements', () => {
  it('keeps unknown sub-elements of 32 and 33 and rebuilds them, so nothing is silently dropped', () => {
    const service = `${encodeTlv('00', 'c2b.bank.kg')}${encodeTlv('14', 'x1')}${encodeTlv('01', 'svc')}`;
    const merchant = `${encodeTlv('00', 'm-1')}${encodeTlv('07', 'Магазин')}`;
    const payload = signed(
      `000201010211${encodeTlv('32', service)}${encodeTlv('33', merchant)}5303417`,
    );
    const parsed = parseElqrPayload(payload, { verifyChecksum: true });
    expect(parsed.payment.service).toEqual({
      providerId: 'c2b.bank.kg',
      serviceCode: 'svc',
      extra: [{ id: '14', value: 'x1' }],
    });
    expect(parsed.payment.merchant).toEqual({
      merchantId: 'm-1',
      extra: [{ id: '07', value: 'Магазин' }],
    });
    const rebuilt = buildElqrPayload(parsed.payment);
    // canonical: 32/14 moves after 32/01
    expect(rebuilt).toContain(`0011c2b.bank.kg0103svc1402x1`);
    expect(parseElqrPayload(rebuilt).payment).toEqual(parsed.payment);
    const known = { ...parsed.payment.service, extra: [{ id: '11', value: 'tx' }] };
    expect(errorOf(() => buildElqrPayload({ ...parsed.payment, service: known }))).toMatchObject({
      code: 'ELQR_INVALID_VALUE',
      field: '32/11',
    });
  });
});

describe('precise errors', () => {
  it('gives the code, the field and the offset of the fault', () => {
    // amount: `54` element at its offset in the dynamic vector
    const at54 = FINIK_DYNAMIC.indexOf('54071241200');
    const badAmount = signed(FINIK_DYNAMIC.slice(0, -8).replace('54071241200', '540712412.0'));
    expect(errorOf(() => parseElqrPayload(badAmount))).toEqual({
      code: 'ELQR_INVALID_VALUE',
      field: '54',
      offset: at54,
    });
    // a flag inside 32 points into the template
    const at3213 = FINIK_STATIC.indexOf('130212');
    expect(errorOf(() => parseElqrPayload(FINIK_STATIC.replace('130212', '130213')))).toEqual({
      code: 'ELQR_INVALID_VALUE',
      field: '32/13',
      offset: at3213,
    });
    // a broken header: the offset of the bad header
    expect(errorOf(() => parseElqrPayload('000201x1'))).toEqual({
      code: 'ELQR_MALFORMED',
      field: undefined,
      offset: 6,
    });
    // a sub-element running past the end of its template
    const at32 = FINIK_STATIC.indexOf('3275');
    const overrun = signed(staticBody.replace('0011qr.finik.kg', '0099qr.finik.kg'));
    expect(errorOf(() => parseElqrPayload(overrun))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '32/00',
      offset: at32 + 4,
    });
    // a repeated root element: the second one
    const repeated = signed(`${staticBody}5303417`);
    expect(errorOf(() => parseElqrPayload(repeated))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '53',
      offset: staticBody.length,
    });
    expect(errorOf(() => parseElqrPayload(FINIK_STATIC.slice(0, -8)))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '63',
      offset: staticBody.length,
    });
    expect(errorOf(() => parseElqrPayload(`${FINIK_STATIC}3401x`))).toEqual({
      code: 'ELQR_MALFORMED',
      field: '63',
      offset: staticBody.length,
    });
    expect(errorOf(() => parseElqrPayload(`${staticBody}3402🙂`))).toEqual({
      code: 'ELQR_UNSUPPORTED_CHARACTER',
      field: undefined,
      offset: staticBody.length + 4,
    });
  });

  it('refuses a mismatching checksum with ELQR_CHECKSUM_MISMATCH when verification is asked', () => {
    const tampered = FINIK_DYNAMIC.replace('1241200', '1241299');
    expect(parseElqrPayload(tampered).checksumValid).toBe(false);
    expect(errorOf(() => parseElqrPayload(tampered, { verifyChecksum: true }))).toEqual({
      code: 'ELQR_CHECKSUM_MISMATCH',
      field: '63',
      offset: FINIK_DYNAMIC.length - 8,
    });
  });
});

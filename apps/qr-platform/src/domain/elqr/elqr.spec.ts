import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  buildElqrLink,
  buildElqrPayload,
  decodeTlvs,
  elqrChecksum,
  elqrPayloadFromLink,
  type ElqrPayment,
  encodeTlv,
  parseElqrLink,
  parseElqrPayload,
  verifyElqrChecksum,
} from './index';

// Public real-world vectors (protocols.md §5.2): Finik dynamic 12 412.00 KGS and Finik static.
const FINIK_DYNAMIC =
  '00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';
const FINIK_STATIC =
  '00020101021132750011qr.finik.kg0114averspay-items10326cc60f3c453e4286ae7bbbed49208ead1302125204482953034175908Finik-QR630424e3';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

/** Changes the character at index i to another one of the same class (digit stays a digit). */
function mutate(text: string, i: number): string {
  const c = text[i] as string;
  const replacement = /\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'a' ? 'b' : 'a';
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

describe('ELQR checksum on the public Finik vectors', () => {
  it('verifies both vectors', () => {
    expect(verifyElqrChecksum(FINIK_DYNAMIC)).toBe(true);
    expect(verifyElqrChecksum(FINIK_STATIC)).toBe(true);
    expect(elqrChecksum(FINIK_DYNAMIC.slice(0, -8))).toBe('b127');
    expect(elqrChecksum(FINIK_STATIC.slice(0, -8))).toBe('24e3');
  });

  it('compares the checksum case-insensitively', () => {
    expect(verifyElqrChecksum(FINIK_DYNAMIC.replace(/b127$/, 'B127'))).toBe(true);
    expect(verifyElqrChecksum(FINIK_STATIC.replace(/24e3$/, '24E3'))).toBe(true);
  });

  it('rejects any single changed character of the protected text or the checksum', () => {
    // the amount (1241200 -> 1241201), the provider id, the name, and the checksum itself
    const amountAt = FINIK_DYNAMIC.indexOf('1241200') + 6;
    expect(verifyElqrChecksum(mutate(FINIK_DYNAMIC, amountAt))).toBe(false);
    expect(verifyElqrChecksum(FINIK_DYNAMIC.replace('qr.finik.kg', 'qr.finik.kh'))).toBe(false);
    expect(verifyElqrChecksum(FINIK_STATIC.replace('Finik-QR', 'Finik-QS'))).toBe(false);
    expect(verifyElqrChecksum(FINIK_DYNAMIC.replace(/b127$/, 'b128'))).toBe(false);
    for (let i = 0; i < FINIK_STATIC.length; i += 7) {
      expect(verifyElqrChecksum(mutate(FINIK_STATIC, i))).toBe(false);
    }
  });

  it('is false, never a throw, for structurally broken payloads', () => {
    expect(verifyElqrChecksum(FINIK_DYNAMIC.slice(0, -1))).toBe(false);
    expect(verifyElqrChecksum(FINIK_DYNAMIC.slice(0, -8))).toBe(false);
    expect(verifyElqrChecksum(`${FINIK_DYNAMIC}3401x`)).toBe(false);
    expect(verifyElqrChecksum('')).toBe(false);
  });
});

describe('parseElqrPayload', () => {
  it('reads every field of the dynamic vector', () => {
    const parsed = parseElqrPayload(FINIK_DYNAMIC);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.checksum).toBe('b127');
    expect(parsed.payment).toEqual({
      version: '01',
      type: 'dynamic',
      service: {
        providerId: 'qr.finik.kg',
        serviceCode: 'averspay-items',
        recipientId: '8606240d690d42e4b036d3dba9d0371a',
        amountEditable: false,
        recipientIdEditable: false,
      },
      mcc: '4829',
      currency: '417',
      amountTyiyn: 1_241_200n, // 12 412.00 KGS in tyiyn
      name: 'Finik-QR',
    } satisfies ElqrPayment);
  });

  it('reads the static vector, which has no amount and no amount flag', () => {
    const parsed = parseElqrPayload(FINIK_STATIC);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.type).toBe('static');
    expect(parsed.payment.amountTyiyn).toBeUndefined();
    expect(parsed.payment.service).toEqual({
      providerId: 'qr.finik.kg',
      serviceCode: 'averspay-items',
      recipientId: '6cc60f3c453e4286ae7bbbed49208ead',
      recipientIdEditable: false,
    });
  });

  it('rebuilds both vectors byte for byte', () => {
    expect(buildElqrPayload(parseElqrPayload(FINIK_DYNAMIC).payment)).toBe(FINIK_DYNAMIC);
    expect(buildElqrPayload(parseElqrPayload(FINIK_STATIC).payment)).toBe(FINIK_STATIC);
  });

  it('reports a wrong checksum without throwing', () => {
    const parsed = parseElqrPayload(FINIK_DYNAMIC.replace('1241200', '1241299'));
    expect(parsed.checksumValid).toBe(false);
    expect(parsed.payment.amountTyiyn).toBe(1_241_299n);
  });

  it('accepts elements out of canonical order and hashes the text as received', () => {
    const elements = decodeTlvs(FINIK_STATIC.slice(0, -8));
    const i52 = elements.findIndex((e) => e.id === '52');
    const i53 = elements.findIndex((e) => e.id === '53');
    const swapped = [...elements];
    swapped[i52] = elements[i53] as (typeof elements)[number];
    swapped[i53] = elements[i52] as (typeof elements)[number];
    const body = swapped.map((e) => encodeTlv(e.id, e.value)).join(''); // Elcart style: 53 before 52
    const payload = body + encodeTlv('63', elqrChecksum(body));
    const parsed = parseElqrPayload(payload);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.mcc).toBe('4829');
    expect(parsed.payment.currency).toBe('417');
    expect(parsed.elements.map((e) => e.id)).toEqual(['00', '01', '32', '53', '52', '59', '63']);
    // Canonical re-encoding hashes differently, so the checksum really is over the received text.
    expect(payload.slice(-4)).not.toBe('24e3');
  });

  it('keeps elements it does not interpret and rebuilds them', () => {
    // 35–39 are interpreted now (elqr-additional.spec.ts); 80 is an id this codec does not know.
    const payment: ElqrPayment = {
      ...parseElqrPayload(FINIK_STATIC).payment,
      extra: [{ id: '80', value: '0026order:Заказ:A-17:Order:11' }],
    };
    const payload = buildElqrPayload(payment);
    const parsed = parseElqrPayload(payload);
    expect(parsed.checksumValid).toBe(true);
    expect(parsed.payment.extra).toEqual(payment.extra);
    expect(buildElqrPayload(parsed.payment)).toBe(payload);
  });

  it('refuses structural faults with ELQR_MALFORMED', () => {
    expect(codeOf(() => parseElqrPayload(FINIK_DYNAMIC.slice(0, -9)))).toBe('ELQR_MALFORMED'); // truncated
    expect(codeOf(() => parseElqrPayload(FINIK_DYNAMIC.slice(0, -8)))).toBe('ELQR_MALFORMED'); // no 63
    expect(codeOf(() => parseElqrPayload(`${FINIK_DYNAMIC}5907Trailer`))).toBe('ELQR_MALFORMED');
    expect(codeOf(() => parseElqrPayload('0002010102135303417'))).toBe('ELQR_MALFORMED'); // type 13
    expect(codeOf(() => parseElqrPayload('00020x'))).toBe('ELQR_MALFORMED');
    const signed = (body: string) => body + encodeTlv('63', elqrChecksum(body));
    expect(codeOf(() => parseElqrPayload(signed(`${FINIK_STATIC.slice(0, -8)}5303417`)))).toBe(
      'ELQR_MALFORMED',
    );
    expect(codeOf(() => parseElqrPayload(signed(`000201${FINIK_STATIC.slice(0, -8)}`)))).toBe(
      'ELQR_MALFORMED',
    );
    expect(codeOf(() => parseElqrPayload(signed('0002010102113200')))).toBe('ELQR_MALFORMED'); // no 32/00
  });

  it('refuses a malformed amount or flag with ELQR_INVALID_VALUE', () => {
    const withAmount = (amount: string) => {
      const body = FINIK_STATIC.slice(0, -8) + encodeTlv('54', amount);
      return body + encodeTlv('63', elqrChecksum(body));
    };
    expect(parseElqrPayload(withAmount('0')).payment.amountTyiyn).toBe(0n); // some banks' static links
    expect(codeOf(() => parseElqrPayload(withAmount('12.50')))).toBe('ELQR_INVALID_VALUE');
    expect(codeOf(() => parseElqrPayload(withAmount('12345678901234')))).toBe('ELQR_INVALID_VALUE');
    const badFlag = FINIK_STATIC.replace('130212', '130213');
    expect(codeOf(() => parseElqrPayload(badFlag))).toBe('ELQR_INVALID_VALUE');
  });
});

describe('lengths in UTF-16 code units', () => {
  it('counts Cyrillic characters, not UTF-8 bytes', () => {
    expect(encodeTlv('34', 'КИРИЛЛ Б.')).toBe('3409КИРИЛЛ Б.');
    expect(Buffer.byteLength('КИРИЛЛ Б.', 'utf8')).toBe(16);
    expect(decodeTlvs('3409КИРИЛЛ Б.5303417')).toEqual([
      { id: '34', value: 'КИРИЛЛ Б.' },
      { id: '53', value: '417' },
    ]);
  });

  it('builds, verifies and parses a Cyrillic payload; the checksum is over UTF-8 bytes', () => {
    const payment: ElqrPayment = {
      version: '01',
      type: 'dynamic',
      service: { providerId: 'tolem.kg', transactionId: 'qr_1', amountEditable: false },
      merchant: { merchantId: 'mer_1', serviceName: 'Кофейня' },
      comment: 'КИРИЛЛ Б.',
      mcc: '5812',
      currency: '417',
      amountTyiyn: 15_050n,
      name: 'Төлөм',
    };
    const payload = buildElqrPayload(payment);
    expect(payload).toContain('3409КИРИЛЛ Б.');
    expect(payload).toContain('5905Төлөм');
    const body = payload.slice(0, -8);
    const utf8 = createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex').slice(-4);
    expect(payload.slice(-4)).toBe(utf8);
    expect(verifyElqrChecksum(payload)).toBe(true);
    expect(parseElqrPayload(payload).payment).toEqual(payment);
  });

  it('rejects astral characters when building and when parsing', () => {
    expect(codeOf(() => encodeTlv('34', 'pay 🙂'))).toBe('ELQR_UNSUPPORTED_CHARACTER');
    const payment = parseElqrPayload(FINIK_STATIC).payment;
    expect(codeOf(() => buildElqrPayload({ ...payment, comment: '🙂' }))).toBe(
      'ELQR_UNSUPPORTED_CHARACTER',
    );
    expect(codeOf(() => buildElqrPayload({ ...payment, name: 'Shop 𝔸' }))).toBe(
      'ELQR_UNSUPPORTED_CHARACTER',
    );
    // '🙂' is two code units, so `3402🙂` is self-consistent in length and still refused.
    expect(codeOf(() => decodeTlvs('3402🙂'))).toBe('ELQR_UNSUPPORTED_CHARACTER');
    expect(codeOf(() => decodeTlvs('3401\uD83D'))).toBe('ELQR_UNSUPPORTED_CHARACTER'); // lone surrogate
    expect(verifyElqrChecksum(FINIK_STATIC.replace('5908Finik-QR', '5908Finik-🙂'))).toBe(false);
  });

  it('enforces the field limits when building', () => {
    const payment = parseElqrPayload(FINIK_STATIC).payment;
    expect(codeOf(() => buildElqrPayload({ ...payment, name: 'x'.repeat(26) }))).toBe(
      'ELQR_VALUE_TOO_LONG',
    );
    expect(buildElqrPayload({ ...payment, name: 'Ы'.repeat(25) })).toContain(
      `5925${'Ы'.repeat(25)}`,
    );
    expect(codeOf(() => buildElqrPayload({ ...payment, comment: 'я'.repeat(33) }))).toBe(
      'ELQR_VALUE_TOO_LONG',
    );
    expect(codeOf(() => buildElqrPayload({ ...payment, amountTyiyn: 10n ** 13n }))).toBe(
      'ELQR_VALUE_TOO_LONG',
    );
    expect(buildElqrPayload({ ...payment, amountTyiyn: 10n ** 13n - 1n })).toContain(
      '54139999999999999',
    );
    expect(codeOf(() => buildElqrPayload({ ...payment, amountTyiyn: -1n }))).toBe(
      'ELQR_INVALID_VALUE',
    );
    expect(codeOf(() => buildElqrPayload({ ...payment, mcc: '482' }))).toBe('ELQR_INVALID_VALUE');
    // a 32 template over 99 characters cannot be length-prefixed with two digits
    const long = {
      ...payment.service,
      providerId: 'p'.repeat(32),
      serviceCode: 's'.repeat(32),
      transactionId: 't'.repeat(32),
    };
    expect(codeOf(() => buildElqrPayload({ ...payment, service: long }))).toBe(
      'ELQR_VALUE_TOO_LONG',
    );
    const noRouting = { ...payment, service: { providerId: 'tolem.kg' }, merchant: undefined };
    expect(codeOf(() => buildElqrPayload(noRouting))).toBe('ELQR_INVALID_VALUE');
  });
});

describe('payment links', () => {
  const base = 'https://pay.payqr.kg/';

  it('is the base URL, "#", and an ASCII payload verbatim', () => {
    const link = buildElqrLink(base, FINIK_DYNAMIC);
    expect(link).toBe(`${base}#${FINIK_DYNAMIC}`);
    expect(parseElqrLink(link).checksumValid).toBe(true);
    expect(parseElqrLink(`https://qr.finik.kg/#${FINIK_STATIC}`).payment.name).toBe('Finik-QR');
  });

  it('percent-decodes UTF-8 after the first "#" and round-trips "%" and "#" in values', () => {
    const payment: ElqrPayment = {
      ...parseElqrPayload(FINIK_STATIC).payment,
      comment: 'Заказ #7, 100% оплата',
    };
    const payload = buildElqrPayload(payment);
    const link = buildElqrLink(base, payload);
    expect(link).not.toMatch(/[^\x21-\x7e]/); // a URL: no spaces, no raw non-ASCII
    expect(elqrPayloadFromLink(link)).toBe(payload);
    expect(parseElqrLink(link).payment.comment).toBe('Заказ #7, 100% оплата');
    // Another producer encoding every character the same way still parses.
    expect(parseElqrLink(`${base}#${encodeURIComponent(payload)}`).checksumValid).toBe(true);
  });

  it('refuses links without a fragment or with broken percent-encoding', () => {
    expect(codeOf(() => elqrPayloadFromLink(FINIK_STATIC))).toBe('ELQR_MALFORMED');
    expect(codeOf(() => elqrPayloadFromLink(`${base}#0002%E0%A4`))).toBe('ELQR_MALFORMED');
    expect(codeOf(() => buildElqrLink('https://x.kg/#a', FINIK_STATIC))).toBe('ELQR_INVALID_VALUE');
  });
});

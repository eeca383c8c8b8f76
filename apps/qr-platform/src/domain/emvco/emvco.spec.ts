import fc from 'fast-check';
import { checksum as independentCrc, parse as independentParse } from 'promptparse';
import { describe, expect, it } from 'vitest';

import {
  buildEmvco,
  crc16CcittFalse,
  decodeTlvs,
  emvcoCrc,
  EmvcoError,
  type EmvcoPayload,
  encodeTlv,
  parseEmvco,
} from './index';

// Public vectors, protocols.md §5.3.
// EMVCo MPM spec sample: Chinese in ID 64 (lengths in characters, CRC over UTF-8 bytes), 64 before 54.
const EMVCO_SPEC_SAMPLE =
  '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A';
// phannaly/emv-qr-code README: Kuntheas Shop, USD 10.00, elements out of canonical order.
const KUNTHEAS_SHOP =
  '00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey5913Kuntheas Shop5802KH540510.005303840621201081234567863041FF2';
// KGS example built for protocols.md and parsed by promptparse in strict mode.
const KGS_EXAMPLE =
  '00020101021226310014KG.EXAMPLE.PSP0109MERCH00015204581253034175406150.005802KG5909TEST SHOP6007BISHKEK62120508ORDER-4263040B91';

// dtinth/promptpay-qr test vector (placeholder phone number): a correct CRC, but Thai PromptPay omits
// 52, 59 and 60, which EMVCo MPM makes mandatory.
const PROMPTPAY_ANYID =
  '00020101021129370016A000000677010111011300668012345675802TH530376463046197';

const KGS_MODEL: EmvcoPayload = {
  initiation: 'dynamic',
  merchantAccounts: [
    { id: '26', guid: 'KG.EXAMPLE.PSP', data: [{ id: '01', value: 'MERCH0001' }] },
  ],
  mcc: '5812',
  currency: '417',
  amount: { amountMinor: 15000n, currency: 'KGS' },
  country: 'KG',
  merchantName: 'TEST SHOP',
  merchantCity: 'BISHKEK',
  additionalData: { referenceLabel: 'ORDER-42' },
};

/** Appends a correct `6304` CRC, so a test can reach the checks that come after the CRC. */
const withCrc = (body: string): string => body + '6304' + emvcoCrc(body + '6304');

const errorOf = (fn: () => unknown): EmvcoError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof EmvcoError) return err;
    throw err;
  }
  throw new Error('no error');
};

/** Counts CRC over UTF-8 bytes with promptparse, whose own CRC reads char codes: feed it bytes as latin1. */
const independentUtf8Crc = (text: string): string =>
  independentCrc(Buffer.from(text, 'utf8').toString('latin1'), true);

describe('EMVCo CRC-16/CCITT-FALSE', () => {
  it('gives the standard check value 29B1 for "123456789"', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
    expect(emvcoCrc('123456789')).toBe('29B1');
  });

  it.each([
    ['EMVCo spec sample', EMVCO_SPEC_SAMPLE, 'A13A'],
    ['Kuntheas Shop', KUNTHEAS_SHOP, '1FF2'],
    ['KGS example', KGS_EXAMPLE, '0B91'],
    ['PromptPay AnyID', PROMPTPAY_ANYID, '6197'],
  ])('covers the %s text up to and including 6304 (UTF-8 bytes)', (_name, vector, crc) => {
    const upToHeader = vector.slice(0, -4);
    expect(emvcoCrc(upToHeader)).toBe(crc);
    expect(independentUtf8Crc(upToHeader)).toBe(crc);
    // Leaving the 6304 header out gives a different CRC: the classic interoperability bug.
    expect(emvcoCrc(upToHeader.slice(0, -4))).not.toBe(crc);
  });

  it('pads short CRCs to four uppercase hex digits', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(emvcoCrc(s)).toMatch(/^[0-9A-F]{4}$/);
      }),
    );
  });
});

describe('parseEmvco on the public vectors', () => {
  it('reads the EMVCo spec sample, Chinese language template and unreserved template included', () => {
    const p = parseEmvco(EMVCO_SPEC_SAMPLE);
    expect(p).toEqual({
      initiation: 'dynamic',
      merchantAccounts: [
        { id: '29', guid: 'D15600000000', data: [{ id: '05', value: 'A93FO3230Q' }] },
        { id: '31', guid: 'D15600000001', data: [{ id: '03', value: '12345678' }] },
      ],
      mcc: '4111',
      currency: '156',
      // CNY is not in Tolem's currency table: the decimal text is kept, not guessed into minor units.
      amount: { decimal: '23.72' },
      tip: { kind: 'prompt' },
      country: 'CN',
      merchantName: 'BEST TRANSPORT',
      merchantCity: 'BEIJING',
      additionalData: {
        storeLabel: '1234',
        customerLabel: '***',
        terminalLabel: 'A6008667',
        consumerDataRequest: 'ME',
      },
      language: { language: 'ZH', merchantName: '最佳运输', merchantCity: '北京' },
      unreserved: [{ id: '91', guid: 'A011223344998877', data: [{ id: '07', value: '12345678' }] }],
    });
  });

  it('reads Kuntheas Shop in any element order, the amount as integer cents of USD', () => {
    const p = parseEmvco(KUNTHEAS_SHOP);
    expect(p.merchantAccounts).toEqual([{ id: '15', value: '37210116372101160123456789ABCDE' }]);
    expect(p.amount).toEqual({ amountMinor: 1000n, currency: 'USD' });
    expect(p.currency).toBe('840');
    expect(p.merchantName).toBe('Kuntheas Shop');
    expect(p.merchantCity).toBe('Banteay Meanchey');
    expect(p.additionalData).toEqual({ billNumber: '12345678' });
  });

  it('reads the KGS example into the model and builds it back byte for byte', () => {
    expect(parseEmvco(KGS_EXAMPLE)).toEqual(KGS_MODEL);
    expect(buildEmvco(KGS_MODEL)).toBe(KGS_EXAMPLE);
  });

  it('checks the CRC of the PromptPay vector, then refuses it for the missing MCC', () => {
    const e = errorOf(() => parseEmvco(PROMPTPAY_ANYID));
    expect([e.code, e.field]).toEqual(['EMVCO_MISSING_FIELD', '52']);
  });

  it('accepts a lowercase CRC from a producer', () => {
    expect(parseEmvco(KGS_EXAMPLE.slice(0, -4) + '0b91')).toEqual(KGS_MODEL);
  });
});

describe('parseEmvco errors: stable code, the element and its offset', () => {
  const body = KGS_EXAMPLE.slice(0, -8);

  it('rejects a wrong CRC at the offset of ID 63', () => {
    const e = errorOf(() => parseEmvco(KGS_EXAMPLE.slice(0, -4) + '0B92'));
    expect([e.code, e.field, e.offset]).toEqual([
      'EMVCO_CRC_MISMATCH',
      '63',
      KGS_EXAMPLE.length - 8,
    ]);
  });

  it('rejects a missing CRC and a CRC that is not last', () => {
    expect(errorOf(() => parseEmvco(body)).code).toBe('EMVCO_MISSING_FIELD');
    expect(errorOf(() => parseEmvco(body)).field).toBe('63');
    const e = errorOf(() => parseEmvco(KGS_EXAMPLE + '0502XY'));
    expect([e.code, e.field]).toEqual(['EMVCO_CRC_MALFORMED', '63']);
  });

  it('rejects a length that runs past the end, naming the element', () => {
    const e = errorOf(() => parseEmvco('000201010212' + '5999TEST'));
    expect([e.code, e.field, e.offset]).toEqual(['EMVCO_BAD_LENGTH', '59', 12]);
  });

  it('rejects a bad length inside a template, at the sub-element offset in the payload', () => {
    const payload = withCrc('000201' + '26080014ABCD' + body.slice(body.indexOf('5204')));
    const e = errorOf(() => parseEmvco(payload));
    expect([e.code, e.field, e.offset]).toEqual(['EMVCO_BAD_LENGTH', '26/00', 10]);
  });

  it('rejects control and astral characters at their offset', () => {
    const e = errorOf(() => parseEmvco(withCrc(body.replace('TEST SHOP', 'TEST\u0007SHOP'))));
    expect([e.code, e.offset]).toEqual([
      'EMVCO_UNSUPPORTED_CHARACTER',
      body.indexOf('TEST SHOP') + 4,
    ]);
    const emoji = withCrc(body.replace('TEST SHOP', 'TEST 🙂SH'));
    expect(errorOf(() => parseEmvco(emoji)).code).toBe('EMVCO_UNSUPPORTED_CHARACTER');
  });

  it('rejects a non-digit length and a non-digit id', () => {
    expect(errorOf(() => parseEmvco('00020101X2')).code).toBe('EMVCO_BAD_LENGTH');
    expect(errorOf(() => parseEmvco('0002010A0212')).code).toBe('EMVCO_MALFORMED');
  });

  it.each(['00', '52', '53', '58', '59', '60'])(
    'rejects a payload without mandatory ID %s',
    (id) => {
      const kept = decodeTlvs(body).filter((e) => e.id !== id);
      const payload = withCrc(kept.map((e) => encodeTlv(e.id, e.value)).join(''));
      const e = errorOf(() => parseEmvco(payload));
      expect([e.code, e.field]).toEqual(['EMVCO_MISSING_FIELD', id]);
    },
  );

  it('rejects a payload without any merchant account', () => {
    const kept = decodeTlvs(body).filter((e) => e.id !== '26');
    const e = errorOf(() =>
      parseEmvco(withCrc(kept.map((t) => encodeTlv(t.id, t.value)).join(''))),
    );
    expect([e.code, e.field]).toEqual(['EMVCO_MISSING_FIELD', '26']);
  });

  it('rejects a template whose first sub-element is not the GUID 00', () => {
    const payload = withCrc(
      body.replace('26310014KG.EXAMPLE.PSP0109MERCH0001', '26130109MERCH0001'),
    );
    const e = errorOf(() => parseEmvco(payload));
    expect([e.code, e.field]).toEqual(['EMVCO_MISSING_FIELD', '26/00']);
  });

  it('rejects duplicate ids at the root and inside 62', () => {
    const root = errorOf(() => parseEmvco(withCrc(body + '5909OTHER ONE')));
    expect([root.code, root.field, root.offset]).toEqual([
      'EMVCO_DUPLICATE_FIELD',
      '59',
      body.length,
    ]);
    const sub = withCrc(body.replace('62120508ORDER-42', '622405080RDER-420508ORDER-43'));
    expect(errorOf(() => parseEmvco(sub)).field).toBe('62/05');
    expect(errorOf(() => parseEmvco(sub)).code).toBe('EMVCO_DUPLICATE_FIELD');
  });

  it.each([
    ['52', '5204581A'],
    ['53', '530341X'],
    ['01', '0102AB'],
  ])('rejects non-numeric %s', (id, element) => {
    const original = decodeTlvs(body).find((e) => e.id === id);
    const replaced = original ? body.replace(encodeTlv(id, original.value), element) : body;
    const e = errorOf(() => parseEmvco(withCrc(replaced)));
    expect([e.code, e.field]).toEqual(['EMVCO_NOT_NUMERIC', id]);
  });

  it.each(['150,00', '-150', '1.', '.50', '150.001', '0.00', '12345678901.00', '1e3'])(
    'rejects amount %j',
    (amount) => {
      const e = errorOf(() =>
        parseEmvco(withCrc(body.replace('5406150.00', encodeTlv('54', amount)))),
      );
      expect([e.code, e.field]).toEqual(['EMVCO_AMOUNT_FORMAT', '54']);
    },
  );

  it('rejects an unknown payload format, point of initiation, country and a 00 that is not first', () => {
    expect(errorOf(() => parseEmvco(withCrc(body.replace('000201', '000202')))).field).toBe('00');
    expect(errorOf(() => parseEmvco(withCrc(body.replace('010212', '010213')))).field).toBe('01');
    expect(errorOf(() => parseEmvco(withCrc(body.replace('5802KG', '5802kg')))).field).toBe('58');
    const moved = withCrc(body.replace('000201010212', '010212000201'));
    expect([errorOf(() => parseEmvco(moved)).code, errorOf(() => parseEmvco(moved)).field]).toEqual(
      ['EMVCO_INVALID_VALUE', '00'],
    );
  });

  it('requires 56 with tip indicator 02 and 57 with 03, and neither with 01', () => {
    const tipped = (elements: string) => withCrc(body.replace('5802KG', `${elements}5802KG`));
    expect(parseEmvco(tipped('55020256045.00')).tip).toEqual({
      kind: 'fixed',
      fee: { amountMinor: 500n, currency: 'KGS' },
    });
    expect(parseEmvco(tipped('55020357043.00')).tip).toEqual({
      kind: 'percentage',
      percent: '3.00',
    });
    expect(errorOf(() => parseEmvco(tipped('550202'))).field).toBe('56');
    expect(errorOf(() => parseEmvco(tipped('550203'))).field).toBe('57');
    expect(errorOf(() => parseEmvco(tipped('55020157043.00'))).code).toBe('EMVCO_INVALID_VALUE');
    expect(errorOf(() => parseEmvco(tipped('57043.00'))).code).toBe('EMVCO_MISSING_FIELD');
  });
});

describe('buildEmvco', () => {
  it('refuses what the parser would refuse', () => {
    expect(errorOf(() => buildEmvco({ ...KGS_MODEL, merchantAccounts: [] })).code).toBe(
      'EMVCO_MISSING_FIELD',
    );
    expect(errorOf(() => buildEmvco({ ...KGS_MODEL, mcc: '58' })).field).toBe('52');
    expect(errorOf(() => buildEmvco({ ...KGS_MODEL, merchantName: 'x'.repeat(26) })).code).toBe(
      'EMVCO_VALUE_TOO_LONG',
    );
    expect(
      errorOf(() => buildEmvco({ ...KGS_MODEL, amount: { amountMinor: 100n, currency: 'USD' } }))
        .field,
    ).toBe('54');
    expect(errorOf(() => buildEmvco({ ...KGS_MODEL, merchantCity: 'OSH\n' })).code).toBe(
      'EMVCO_UNSUPPORTED_CHARACTER',
    );
    expect(errorOf(() => buildEmvco({ ...KGS_MODEL, merchantCity: 'OSH 🙂' })).code).toBe(
      'EMVCO_UNSUPPORTED_CHARACTER',
    );
  });

  it('puts 64 and the templates above it before 63, and 63 last', () => {
    const built = buildEmvco({
      ...KGS_MODEL,
      language: { language: 'KY', merchantName: 'ТЕСТ ДҮКӨН', merchantCity: 'БИШКЕК' },
      unreserved: [{ id: '80', guid: 'KG.EXAMPLE.PSP', data: [{ id: '01', value: 'X' }] }],
    });
    const ids = decodeTlvs(built).map((e) => e.id);
    expect(ids).toEqual([
      '00',
      '01',
      '26',
      '52',
      '53',
      '54',
      '58',
      '59',
      '60',
      '62',
      '64',
      '80',
      '63',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

const ASCII = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-/*';
const CYRILLIC = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯабвгдежзиклмнопрстуфхцчшэюяҢңӨөҮү';
const text = (max: number, alphabet = ASCII) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: max });
const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const subId = (min: number, max: number) =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));

const template = (idMin: number, idMax: number, chars: string) =>
  fc.record({
    id: subId(idMin, idMax),
    guid: text(32, chars),
    data: fc.uniqueArray(fc.record({ id: subId(1, 99), value: text(20, chars) }), {
      maxLength: 2,
      selector: (e) => e.id,
    }),
  });

const byId = <T extends { id: string }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => Number(a.id) - Number(b.id));

const currencies = fc.constantFrom(
  ['KGS', '417'],
  ['USD', '840'],
  ['KZT', '398'],
  ['JPY', '392'],
  ['KWD', '414'],
) as fc.Arbitrary<['KGS' | 'USD' | 'KZT' | 'JPY' | 'KWD', string]>;

function payloadArbitrary(chars: string): fc.Arbitrary<EmvcoPayload> {
  return fc
    .record(
      {
        initiation: fc.constantFrom('static' as const, 'dynamic' as const),
        templates: fc.uniqueArray(template(26, 51, chars), {
          minLength: 1,
          maxLength: 3,
          selector: (t) => t.id,
        }),
        mcc: digits(4),
        currency: currencies,
        amountMinor: fc.bigInt({ min: 1n, max: 9_999_999_999n }),
        tipKind: fc.constantFrom('none', 'prompt', 'fixed', 'percentage'),
        country: fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
          minLength: 2,
          maxLength: 2,
        }),
        merchantName: text(25, chars),
        merchantCity: text(15, chars),
        postalCode: text(10),
        billNumber: text(25, chars),
        referenceLabel: text(25, chars),
        terminalLabel: text(25, chars),
        consumerDataRequest: fc.constantFrom('A', 'ME', 'AME', 'E'),
        language: fc.record({
          language: fc.constantFrom('KY', 'RU', 'zh'),
          merchantName: text(25, chars),
        }),
        unreserved: fc.uniqueArray(template(80, 99, chars), {
          maxLength: 2,
          selector: (t) => t.id,
        }),
      },
      {
        requiredKeys: [
          'initiation',
          'templates',
          'mcc',
          'currency',
          'country',
          'merchantName',
          'merchantCity',
        ],
      },
    )
    .map((r) => {
      const [code, numeric] = r.currency;
      const p: EmvcoPayload = {
        initiation: r.initiation,
        merchantAccounts: byId(r.templates),
        mcc: r.mcc,
        currency: numeric,
        country: r.country,
        merchantName: r.merchantName,
        merchantCity: r.merchantCity,
      };
      if (r.amountMinor !== undefined) p.amount = { amountMinor: r.amountMinor, currency: code };
      if (r.tipKind === 'prompt') p.tip = { kind: 'prompt' };
      if (r.tipKind === 'fixed')
        p.tip = { kind: 'fixed', fee: { amountMinor: 250n, currency: code } };
      if (r.tipKind === 'percentage') p.tip = { kind: 'percentage', percent: '12.5' };
      if (r.postalCode !== undefined) p.postalCode = r.postalCode;
      const extra = {
        ...(r.billNumber !== undefined && { billNumber: r.billNumber }),
        ...(r.referenceLabel !== undefined && { referenceLabel: r.referenceLabel }),
        ...(r.terminalLabel !== undefined && { terminalLabel: r.terminalLabel }),
        ...(r.consumerDataRequest !== undefined && { consumerDataRequest: r.consumerDataRequest }),
      };
      if (Object.keys(extra).length > 0) p.additionalData = extra;
      if (r.language !== undefined) p.language = r.language;
      if (r.unreserved !== undefined && r.unreserved.length > 0) p.unreserved = byId(r.unreserved);
      return p;
    });
}

/** Replaces the character at i by another of the same UTF-8 width and a different letter. */
function corrupt(payload: string, i: number, pick: number): string {
  const c = payload[i] as string;
  const pool = c.charCodeAt(0) < 0x80 ? ASCII : CYRILLIC;
  const candidates = [...pool].filter((x) => x.toUpperCase() !== c.toUpperCase());
  return (
    payload.slice(0, i) + (candidates[pick % candidates.length] as string) + payload.slice(i + 1)
  );
}

describe('EMVCo properties', () => {
  it('parse(build(model)) returns the model, for random ASCII and Cyrillic payloads', () => {
    fc.assert(
      fc.property(payloadArbitrary(ASCII + CYRILLIC), (model) => {
        const built = buildEmvco(model);
        expect(parseEmvco(built)).toEqual(model);
        expect(buildEmvco(parseEmvco(built))).toBe(built);
      }),
      { numRuns: 300 },
    );
  });

  it('detects every single-character corruption of a built payload', () => {
    fc.assert(
      fc.property(payloadArbitrary(ASCII + CYRILLIC), fc.nat(), fc.nat(), (model, at, pick) => {
        const built = buildEmvco(model);
        const broken = corrupt(built, at % built.length, pick);
        expect(() => parseEmvco(broken)).toThrow(EmvcoError);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but EmvcoError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        try {
          parseEmvco(s);
        } catch (err) {
          expect(err).toBeInstanceOf(EmvcoError);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check with promptparse, an EMVCo parser Tolem did not write (MIT, no install scripts).

describe('cross-check with the independent promptparse parser', () => {
  it('accepts, with its strict CRC check, every ASCII payload we build and reads the same fields', () => {
    fc.assert(
      fc.property(payloadArbitrary(ASCII), (model) => {
        const built = buildEmvco(model);
        const theirs = independentParse(built, true, true);
        expect(theirs).not.toBeNull();
        // Validated on a flat parse: validate() re-encodes the parsed tags, and the deep parse
        // takes any value that happens to read as TLV (an amount of 47011902.00) for subtags.
        expect(independentParse(built, true, false)?.validate('63')).toBe(true);
        expect(theirs?.getTagValue('52')).toBe(model.mcc);
        expect(theirs?.getTagValue('53')).toBe(model.currency);
        expect(theirs?.getTagValue('58')).toBe(model.country);
        expect(theirs?.getTagValue('59')).toBe(model.merchantName);
        expect(theirs?.getTagValue('60')).toBe(model.merchantCity);
        for (const a of model.merchantAccounts) {
          if ('guid' in a) expect(theirs?.getTagValue(a.id, '00')).toBe(a.guid);
        }
        const amount = theirs?.getTagValue('54');
        expect(amount === undefined ? undefined : parseEmvco(built).amount).toEqual(model.amount);
        if (model.additionalData?.referenceLabel !== undefined) {
          expect(theirs?.getTagValue('62', '05')).toBe(model.additionalData.referenceLabel);
        }
      }),
      {
        numRuns: 200,
        // Found in CI: an amount whose text reads as TLV.
        examples: [
          [
            {
              initiation: 'static',
              merchantAccounts: [{ id: '26', guid: 'A', data: [] }],
              mcc: '0000',
              currency: '417',
              country: 'AA',
              merchantName: 'A',
              merchantCity: 'A',
              amount: { amountMinor: 4_701_190_200n, currency: 'KGS' },
            },
          ],
        ],
      },
    );
  });

  it('splits Cyrillic payloads we build into the same elements, and agrees on the UTF-8 CRC', () => {
    fc.assert(
      fc.property(payloadArbitrary(ASCII + CYRILLIC), (model) => {
        const built = buildEmvco(model);
        const theirs = independentParse(built, false, false);
        expect(theirs?.getTags().map((t) => ({ id: t.id, value: t.value }))).toEqual(
          decodeTlvs(built).map(({ id, value }) => ({ id, value })),
        );
        expect(independentUtf8Crc(built.slice(0, -4))).toBe(built.slice(-4));
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['EMVCo spec sample', EMVCO_SPEC_SAMPLE],
    ['Kuntheas Shop', KUNTHEAS_SHOP],
    ['KGS example', KGS_EXAMPLE],
  ])('reads the %s vector into the same elements and values as ours', (_name, vector) => {
    const theirs = independentParse(vector, false, true);
    const ours = parseEmvco(vector);
    expect(theirs?.getTags().map((t) => ({ id: t.id, value: t.value }))).toEqual(
      decodeTlvs(vector).map(({ id, value }) => ({ id, value })),
    );
    expect(theirs?.getTagValue('52')).toBe(ours.mcc);
    expect(theirs?.getTagValue('59')).toBe(ours.merchantName);
    for (const a of ours.merchantAccounts) {
      expect('guid' in a ? theirs?.getTagValue(a.id, '00') : theirs?.getTagValue(a.id)).toBe(
        'guid' in a ? a.guid : a.value,
      );
    }
  });

  it('is confirmed by its strict mode on the ASCII vectors (its CRC reads char codes, so not on Chinese)', () => {
    expect(independentParse(KUNTHEAS_SHOP, true)).not.toBeNull();
    expect(independentParse(KGS_EXAMPLE, true)).not.toBeNull();
    expect(independentParse(KGS_EXAMPLE.slice(0, -4) + '0B92', true)).toBeNull();
  });
});

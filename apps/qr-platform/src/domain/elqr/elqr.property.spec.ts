import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  buildElqrLink,
  buildElqrPayload,
  decodeTlvs,
  type ElqrAdditionalField,
  ElqrError,
  type ElqrPayment,
  parseElqrLink,
  parseElqrPayload,
} from './index';

// Fixed seed: the checksum is 16 bits, so one corruption in 65 536 keeps a matching checksum by
// chance; a fixed seed keeps the run reproducible instead of failing on a rare unlucky draw.
const SEED = 20_260_612;

const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const cyrillic = fc.constantFrom(...'АБВГДЕЁЖЗИЙКЛМНОПабвгдеёжзийклмнопҢңӨөҮү№'.split(''));
const char = fc.oneof(ascii, cyrillic);
const text = (maxLength: number, minLength = 0) => fc.string({ unit: char, minLength, maxLength });
const part = (maxLength: number, minLength = 0) =>
  fc.string({ unit: char.filter((c) => c !== ':'), minLength, maxLength });
const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

const additionalField: fc.Arbitrary<ElqrAdditionalField> = fc.record({
  key: part(12, 1),
  label: part(16),
  value: part(20),
  title: part(16),
  visible: fc.boolean(),
});

// Sizes keep every template within its 2-digit length: 32 ≤ 4+16 + 3·(4+12) + 2·6 = 80.
const payment: fc.Arbitrary<ElqrPayment> = fc
  .record(
    {
      version: digits(2),
      type: fc.constantFrom('static', 'dynamic') as fc.Arbitrary<ElqrPayment['type']>,
      service: fc.record(
        {
          providerId: text(16, 1),
          serviceCode: text(12),
          recipientId: text(12),
          transactionId: text(12),
          amountEditable: fc.boolean(),
          recipientIdEditable: fc.boolean(),
        },
        { requiredKeys: ['providerId'] },
      ),
      merchant: fc.record(
        { merchantId: text(32), serviceName: text(32) },
        { requiredKeys: ['merchantId'] },
      ),
      comment: text(32),
      mcc: digits(4),
      currency: digits(3),
      amountTyiyn: fc.bigInt({ min: 0n, max: 10n ** 13n - 1n }),
      name: text(25),
      additional: fc.array(additionalField, { minLength: 1, maxLength: 5 }),
    },
    { requiredKeys: ['version', 'type', 'service'] },
  )
  .map((p) =>
    p.service.serviceCode === undefined && p.merchant === undefined
      ? { ...p, service: { ...p.service, serviceCode: 'svc' } }
      : p,
  );

type Corruption =
  | { kind: 'flip'; at: number; with: string }
  | { kind: 'remove'; at: number }
  | { kind: 'insert'; at: number; with: string }
  | { kind: 'length'; element: number; delta: number }
  | { kind: 'checksum'; with: string };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), with: char }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), with: char }),
  fc.record({
    kind: fc.constant('length' as const),
    element: fc.nat(),
    delta: fc.integer({ min: -9, max: 9 }).filter((d) => d !== 0),
  }),
  fc.record({
    kind: fc.constant('checksum' as const),
    with: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 4 }),
  }),
);

/** Applies the corruption; returns undefined when it would not change the text. */
function corrupt(payload: string, c: Corruption): string | undefined {
  switch (c.kind) {
    case 'flip': {
      const at = c.at % payload.length;
      if (payload[at] === c.with) return undefined;
      return payload.slice(0, at) + c.with + payload.slice(at + 1);
    }
    case 'remove': {
      const at = c.at % payload.length;
      return payload.slice(0, at) + payload.slice(at + 1);
    }
    case 'insert': {
      const at = c.at % (payload.length + 1);
      return payload.slice(0, at) + c.with + payload.slice(at);
    }
    case 'length': {
      // rewrite one root element's 2-digit length
      let offset = 0;
      const elements = decodeTlvs(payload);
      const index = c.element % elements.length;
      for (const e of elements.slice(0, index)) offset += 4 + e.value.length;
      const length = (elements[index]?.value.length ?? 0) + c.delta;
      if (length < 0 || length > 99) return undefined;
      return (
        payload.slice(0, offset + 2) + String(length).padStart(2, '0') + payload.slice(offset + 4)
      );
    }
    case 'checksum':
      if (c.with === payload.slice(-4).toLowerCase()) return undefined;
      return payload.slice(0, -4) + c.with;
  }
}

describe('ELQR properties', () => {
  it('build → parse round-trips every valid payment, as payload and as link', () => {
    fc.assert(
      fc.property(payment, (p) => {
        const payload = buildElqrPayload(p);
        const parsed = parseElqrPayload(payload, { verifyChecksum: true });
        expect(parsed.checksumValid).toBe(true);
        expect(parsed.payment).toEqual(p);
        expect(buildElqrPayload(parsed.payment)).toBe(payload); // building stays canonical
        expect(parseElqrLink(buildElqrLink('https://pay.payqr.kg/', payload)).payment).toEqual(p);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('detects or rejects any flipped, removed or inserted character, wrong length or wrong checksum', () => {
    fc.assert(
      fc.property(payment, corruption, (p, c) => {
        const payload = buildElqrPayload(p);
        const broken = corrupt(payload, c);
        fc.pre(broken !== undefined && broken !== payload);
        let parsed;
        try {
          parsed = parseElqrPayload(broken as string);
        } catch (err) {
          expect(err).toBeInstanceOf(ElqrError); // rejected with a codec error, nothing else
          return;
        }
        if (parsed.checksumValid) {
          // only a change that leaves the payment as it was (a checksum letter's case) may pass
          expect(parsed.payment).toEqual(p);
        } else {
          expect(() => parseElqrPayload(broken as string, { verifyChecksum: true })).toThrow(
            expect.objectContaining({ code: 'ELQR_CHECKSUM_MISMATCH' }),
          );
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

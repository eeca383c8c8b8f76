import { describe, expect, it } from 'vitest';

import {
  authorizeCard,
  behaviourOf,
  chargeResponse,
  isHardDecline,
  luhnValid,
  maskPan,
  parseCardInput,
  TEST_CARDS,
} from './cards';

const now = new Date('2025-06-15T12:00:00Z');

describe('test cards', () => {
  it('are all Luhn-valid and unique', () => {
    for (const c of TEST_CARDS) expect(luhnValid(c.pan), c.pan).toBe(true);
    expect(new Set(TEST_CARDS.map((c) => c.pan)).size).toBe(TEST_CARDS.length);
  });

  it('cover a success and each decline code of seed 003', () => {
    const codes = TEST_CARDS.map((c) => c.payment);
    for (const code of ['00', '05', '51', '61', '65', '14', '54', '57'])
      expect(codes).toContain(code);
  });

  it('decide the card page answer, with expiry first', () => {
    const card = (pan: string, expiry = '12/30') => parseCardInput({ pan, expiry, cvv: '123' });
    expect(authorizeCard(card('4111 1111 1111 1111'), now)).toBe('00');
    expect(authorizeCard(card('4000000000000515'), now)).toBe('51');
    expect(authorizeCard(card('4000000000000572'), now)).toBe('57');
    expect(authorizeCard(card('4111111111111111', '05/25'), now)).toBe('54');
    expect(authorizeCard(card('4111111111111111', '06/25'), now)).toBe('00');
    // An unknown valid number behaves like 4111 1111 1111 1111.
    expect(authorizeCard(card('4242424242424242'), now)).toBe('00');
  });
});

describe('chargeResponse (bound card)', () => {
  const bound = (pan: string, expYear = 2030) => ({
    behaviour: behaviourOf(pan),
    expMonth: 12,
    expYear,
  });

  it('declines by the kopeck part of the amount', () => {
    expect(chargeResponse(bound('4111111111111111'), 10000n, now)).toBe('00');
    expect(chargeResponse(bound('4111111111111111'), 10051n, now)).toBe('51');
    expect(chargeResponse(bound('4111111111111111'), 25005n, now)).toBe('05');
    expect(chargeResponse(bound('4111111111111111'), 914n, now)).toBe('14');
    expect(chargeResponse(bound('4111111111111111'), 10050n, now)).toBe('00');
  });

  it('declines by the card behind the binding, and 54 once it expired', () => {
    expect(chargeResponse(bound('4000000000010514'), 10000n, now)).toBe('51');
    expect(chargeResponse(bound('4000000000010571'), 10000n, now)).toBe('57');
    expect(chargeResponse(bound('4111111111111111', 2024), 10000n, now)).toBe('54');
  });

  it('knows hard declines', () => {
    expect(['14', '54', '57'].every((c) => isHardDecline(c as '14'))).toBe(true);
    expect(['00', '05', '51', '61', '65'].some((c) => isHardDecline(c as '05'))).toBe(false);
  });
});

describe('parseCardInput', () => {
  it('never repeats the card number in its errors', () => {
    let message = '';
    try {
      parseCardInput({ pan: '4111111111111112', expiry: '12/30', cvv: '123' });
    } catch (err) {
      message = `${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
    }
    expect(message).toContain('not valid');
    expect(message).not.toContain('4111');
  });

  it('refuses bad expiry and CVV', () => {
    expect(() => parseCardInput({ pan: '4111111111111111', expiry: '13/30', cvv: '123' })).toThrow(
      /month/,
    );
    expect(() => parseCardInput({ pan: '4111111111111111', expiry: '1230', cvv: '123' })).toThrow(
      /MM\/YY/,
    );
    expect(() => parseCardInput({ pan: '4111111111111111', expiry: '12/30', cvv: '12' })).toThrow(
      /CVV/,
    );
  });

  it('masks to the last four digits', () => {
    expect(maskPan('4111111111111111')).toBe('**** 1111');
  });
});

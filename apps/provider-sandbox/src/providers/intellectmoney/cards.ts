import { intellectmoneyErrors } from './errors';

/** Issuer response codes the sandbox declines with (seed 003): soft ones may be retried. */
export type DeclineCode = '05' | '51' | '61' | '65' | '14' | '54' | '57';
/** What the issuer answered: `00` approved, or a decline code. */
export type ResponseCode = '00' | DeclineCode;

export const RESPONSE_TEXT: Readonly<Record<ResponseCode, string>> = Object.freeze({
  '00': 'Approved',
  '05': 'Do not honour',
  '51': 'Insufficient funds',
  '61': 'Exceeds withdrawal amount limit',
  '65': 'Exceeds withdrawal frequency limit',
  '14': 'Invalid card number',
  '54': 'Expired card',
  '57': 'Transaction not permitted to cardholder',
});

export const SOFT_DECLINES: readonly DeclineCode[] = ['05', '51', '61', '65'];
export const HARD_DECLINES: readonly DeclineCode[] = ['14', '54', '57'];
const DECLINE_CODES: readonly string[] = [...SOFT_DECLINES, ...HARD_DECLINES];

export function isHardDecline(code: ResponseCode): boolean {
  return (HARD_DECLINES as readonly string[]).includes(code);
}

/** How a test card behaves: on the card page, on later charges of its binding, and when bound. */
export interface CardBehaviour {
  payment: ResponseCode;
  /** `amount`: bound charges are decided by the charged amount (see chargeResponse). */
  charges: 'amount' | DeclineCode;
  binding: 'Activated' | 'Error';
}

export interface TestCard extends CardBehaviour {
  pan: string;
  note: string;
}

const card = (pan: string, behaviour: Partial<CardBehaviour>, note: string): TestCard => ({
  pan,
  payment: '00',
  charges: 'amount',
  binding: 'Activated',
  ...behaviour,
  note,
});

/**
 * The published test cards. Decline cards carry their code in digits 14-15 (4000 0000 0000 0051
 * declines with 05); cards 4000 0000 0001 0XYc pay, then every charge of their binding declines
 * with XY. Any other Luhn-valid number behaves like 4111 1111 1111 1111.
 */
export const TEST_CARDS: readonly TestCard[] = Object.freeze([
  card('4111111111111111', {}, 'Pays; bound charges are decided by amount'),
  card('5555555555554444', {}, 'Pays (Mastercard); bound charges are decided by amount'),
  card('4000000000000051', { payment: '05' }, 'Declined 05 (do not honour)'),
  card('4000000000000515', { payment: '51' }, 'Declined 51 (insufficient funds)'),
  card('4000000000000614', { payment: '61' }, 'Declined 61 (amount limit)'),
  card('4000000000000655', { payment: '65' }, 'Declined 65 (frequency limit)'),
  card('4000000000000143', { payment: '14' }, 'Declined 14 (invalid card number)'),
  card('4000000000000549', { payment: '54' }, 'Declined 54 (expired card)'),
  card('4000000000000572', { payment: '57' }, 'Declined 57 (not permitted)'),
  card('4000000000010050', { charges: '05' }, 'Pays; every bound charge declines 05'),
  card('4000000000010514', { charges: '51' }, 'Pays; every bound charge declines 51'),
  card('4000000000010613', { charges: '61' }, 'Pays; every bound charge declines 61'),
  card('4000000000010654', { charges: '65' }, 'Pays; every bound charge declines 65'),
  card('4000000000010142', { charges: '14' }, 'Pays; every bound charge declines 14'),
  card('4000000000010548', { charges: '54' }, 'Pays; every bound charge declines 54'),
  card('4000000000010571', { charges: '57' }, 'Pays; every bound charge declines 57'),
  card(
    '4000000000020000',
    { binding: 'Error' },
    'Pays; "remember card" fails: recurringState=Error',
  ),
]);

export function luhnValid(pan: string): boolean {
  if (!/^\d{13,19}$/.test(pan)) return false;
  let sum = 0;
  let double = false;
  for (let i = pan.length - 1; i >= 0; i--) {
    let digit = pan.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export function behaviourOf(pan: string): CardBehaviour {
  const known = TEST_CARDS.find((c) => c.pan === pan);
  return known ?? { payment: '00', charges: 'amount', binding: 'Activated' };
}

export function cardBrand(pan: string): string {
  if (pan.startsWith('4')) return 'Visa';
  if (/^(5[1-5]|2[2-7])/.test(pan)) return 'Mastercard';
  if (/^220[0-4]/.test(pan)) return 'Mir';
  return 'Card';
}

/** The last four digits only: all a page, a log or the test API may show of a card number. */
export function maskPan(pan: string): string {
  return `**** ${pan.slice(-4)}`;
}

/** Card data from the card page. Held only for the authorization; never stored or logged. */
export interface CardInput {
  pan: string;
  expMonth: number;
  /** Four-digit year. */
  expYear: number;
  cvv: string;
}

function cardInvalid(field: string, message: string): never {
  throw intellectmoneyErrors.create('INTELLECTMONEY_CARD_INVALID', message, {
    details: { field },
  });
}

/**
 * Reads the card inputs. Error messages name the field and never repeat what was typed, so a
 * mistyped number cannot reach a page, a log or the test API.
 */
export function parseCardInput(input: { pan?: string; expiry?: string; cvv?: string }): CardInput {
  const pan = (input.pan ?? '').replace(/[\s-]/g, '');
  if (!luhnValid(pan)) cardInvalid('pan', 'The card number is not valid');
  const expiry = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec((input.expiry ?? '').trim());
  if (expiry === null) cardInvalid('expiry', 'The expiry date must be MM/YY');
  const expMonth = Number.parseInt(expiry[1] as string, 10);
  const yearText = expiry[2] as string;
  const expYear = Number.parseInt(yearText.length === 2 ? `20${yearText}` : yearText, 10);
  if (expMonth < 1 || expMonth > 12) cardInvalid('expiry', 'The expiry month must be 01 to 12');
  const cvv = (input.cvv ?? '').trim();
  if (!/^\d{3}$/.test(cvv)) cardInvalid('cvv', 'The CVV must be 3 digits');
  return { pan, expMonth, expYear, cvv };
}

/** A card is valid through the last day of its expiry month (UTC). */
export function expired(expMonth: number, expYear: number, now: Date): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}

/** The issuer's answer on the card page: expired cards decline 54, test cards by their table row. */
export function authorizeCard(card: CardInput, now: Date): ResponseCode {
  if (expired(card.expMonth, card.expYear, now)) return '54';
  return behaviourOf(card.pan).payment;
}

/**
 * The issuer's answer to a charge of a bound card: 54 once the card has expired; the card's own
 * decline code if it has one; otherwise by amount, where a kopeck part equal to a decline code
 * declines with it (100.51 -> 51, 250.05 -> 05, 9.14 -> 14) and anything else is approved.
 */
export function chargeResponse(
  bound: { behaviour: CardBehaviour; expMonth: number; expYear: number },
  amountMinor: bigint,
  now: Date,
): ResponseCode {
  if (expired(bound.expMonth, bound.expYear, now)) return '54';
  if (bound.behaviour.charges !== 'amount') return bound.behaviour.charges;
  const kopecks = String(amountMinor % 100n).padStart(2, '0');
  return DECLINE_CODES.includes(kopecks) ? (kopecks as DeclineCode) : '00';
}

import { randomInt } from 'node:crypto';

import type { SmsOutbox } from '../../sms-outbox';
import { webmoneyErrors } from './errors';
import type { Invoice } from './invoices';

/** Wrong codes allowed before the code is void and the payer must ask for a new one. */
export const MAX_CODE_ATTEMPTS = 3;

interface Challenge {
  phone: string;
  code: string;
  attemptsLeft: number;
}

/** Keeper Mobile's SMS step (seed 000): a 4-digit code per invoice and phone. */
export interface KeeperMobileCodes {
  /** Sends a new code to the phone (replacing any earlier one for the invoice) and returns it. */
  issue(invoice: Invoice, phone: string): string;
  /** Accepts the right code once; a wrong one throws and counts against the attempts. */
  confirm(invoiceId: string, phone: string, code: string): void;
}

export function createKeeperMobileCodes(deps: {
  sms: SmsOutbox;
  clock: () => Date;
  newCode?: () => string;
}): KeeperMobileCodes {
  const newCode = deps.newCode ?? (() => String(randomInt(0, 10_000)).padStart(4, '0'));
  const challenges = new Map<string, Challenge>();
  return {
    issue(invoice, phone) {
      const code = newCode();
      challenges.delete(invoice.id);
      challenges.set(invoice.id, { phone, code, attemptsLeft: MAX_CODE_ATTEMPTS });
      // Bound memory: codes of abandoned invoices are dropped oldest first.
      if (challenges.size > 10_000) {
        const oldest = challenges.keys().next().value;
        if (oldest !== undefined) challenges.delete(oldest);
      }
      const r = invoice.request;
      deps.sms.send({
        phone,
        code,
        text: `WebMoney: code ${code} confirms paying ${r.amount} WM${r.payeePurse.charAt(0)} to ${r.payeePurse}`,
        sentAt: deps.clock(),
      });
      return code;
    },
    confirm(invoiceId, phone, code) {
      const challenge = challenges.get(invoiceId);
      if (challenge === undefined || challenge.phone !== phone) {
        throw webmoneyErrors.create(
          'WEBMONEY_SMS_CODE_NOT_SENT',
          'No code was sent to this phone for this payment',
        );
      }
      if (challenge.code !== code.trim()) {
        challenge.attemptsLeft -= 1;
        if (challenge.attemptsLeft <= 0) challenges.delete(invoiceId);
        throw webmoneyErrors.create('WEBMONEY_SMS_CODE_WRONG', 'The SMS code is wrong', {
          details: { attempts_left: String(Math.max(challenge.attemptsLeft, 0)) },
        });
      }
      challenges.delete(invoiceId);
    },
  };
}

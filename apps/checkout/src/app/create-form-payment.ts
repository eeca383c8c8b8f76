import { isDomainError } from '@tolem/errors';

import { checkoutErrors } from '../domain/errors';
import { FORM_FIELDS, formSignatureMatches, REQUIRED_FORM_FIELDS } from '../domain/form-signature';
import type { PaymentView } from '../domain/payment';
import type { Clock, MerchantRepository } from '../domain/ports';
import type { makeCreatePayment } from './create-payment';

export interface CreateFormPaymentDeps {
  merchants: MerchantRepository;
  clock: Clock;
  createPayment: ReturnType<typeof makeCreatePayment>;
}

/** The idempotency key of a form payment: the merchant's order id, in a namespace of its own. */
export function formIdempotencyKey(orderId: string): string {
  return `form:${orderId}`;
}

/** C0 controls (line feed, carriage return, tab…) and DEL. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('FORM_INVALID_REQUEST', message, { details: { field } });
}

/**
 * A payment from a merchant's signed HTML form. The fields are checked, then the signature
 * against the merchant's current form secret and a rotated one still within its overlap (the
 * secrets never leave checkout); only then is anything written. The merchant's order id is the
 * idempotency key, so posting the same form again is the same payment, and other fields under the
 * same order id are IDEMPOTENCY_KEY_REUSED naming the field. An unknown merchant is answered like
 * a bad signature, so merchant ids cannot be probed.
 */
export function makeCreateFormPayment(deps: CreateFormPaymentDeps) {
  return async (input: {
    fields: Record<string, string>;
    signature: string;
  }): Promise<{ view: PaymentView; replayed: boolean }> => {
    const { fields } = input;
    for (const name of Object.keys(fields)) {
      if (!(FORM_FIELDS as readonly string[]).includes(name)) {
        invalid(name, `unknown form field ${JSON.stringify(name.slice(0, 40))}`);
      }
    }
    // A line feed inside a value could move text into another field and keep the signature:
    // `description=Gift\nfail_url=https://evil…` signs the same as two fields. No value needs one.
    for (const [name, value] of Object.entries(fields)) {
      if (CONTROL_CHARACTER.test(value)) {
        invalid(name, `${name} must not contain control characters (line feeds included)`);
      }
    }
    for (const name of REQUIRED_FORM_FIELDS) {
      if (!fields[name]) invalid(name, `${name} is required`);
    }
    const amount = fields['amount'] ?? '';
    if (!/^[1-9][0-9]{0,17}$/.test(amount)) {
      invalid('amount', 'amount must be a positive integer of minor units');
    }
    const livemode = fields['livemode'] ?? 'false';
    if (livemode !== 'true' && livemode !== 'false') {
      invalid('livemode', 'livemode must be true or false');
    }
    if (!input.signature) {
      throw checkoutErrors.create('FORM_SIGNATURE_MISSING', 'the form has no signature');
    }
    const merchantId = fields['merchant_id'] ?? '';
    const secrets = await deps.merchants.formSecrets(merchantId);
    const valid = [
      secrets?.current ?? '',
      secrets?.previous && secrets.previous.expiresAt.getTime() > deps.clock.now().getTime()
        ? secrets.previous.secret
        : '',
    ].filter((s) => s !== '');
    if (!formSignatureMatches(valid, fields, input.signature)) {
      throw checkoutErrors.create(
        'FORM_SIGNATURE_INVALID',
        'the form signature does not match the merchant’s form secret',
      );
    }
    try {
      return await deps.createPayment({
        merchantId,
        idempotencyKey: formIdempotencyKey(fields['order_id'] ?? ''),
        amountMinor: BigInt(amount),
        currency: fields['currency'] ?? '',
        orderId: fields['order_id'] ?? '',
        description: fields['description'] ?? '',
        successUrl: fields['success_url'] ?? '',
        failUrl: fields['fail_url'] ?? '',
        metadata: {},
        livemode: livemode === 'true',
        customerRef: fields['customer_ref'] ?? '',
      });
    } catch (err) {
      // The payment's own checks name payment fields; for a form they are form fields.
      if (isDomainError(err) && err.code === 'PAYMENT_INVALID_REQUEST') {
        const field = err.details?.['field'];
        invalid(typeof field === 'string' ? field : 'form', err.message);
      }
      throw err;
    }
  };
}

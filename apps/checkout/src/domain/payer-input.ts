import { checkoutErrors } from './errors';

export const PAYER_INPUT_LIMITS = { fields: 10, name: 64, value: 256 } as const;

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('PAYMENT_INVALID_REQUEST', message, { details: { field } });
}

/**
 * Shape checks of what the payer typed; what each field must contain (Wavepay: `key1`, at most
 * 11 characters) is the provider adapter's to judge.
 */
export function validatePayerFields(fields: Record<string, string>): void {
  const names = Object.keys(fields);
  if (names.length === 0) invalid('fields', 'fields are required');
  if (names.length > PAYER_INPUT_LIMITS.fields)
    invalid('fields', `at most ${PAYER_INPUT_LIMITS.fields} fields`);
  for (const name of names) {
    if (name.length === 0 || name.length > PAYER_INPUT_LIMITS.name) {
      invalid('fields', `field names must be 1..${PAYER_INPUT_LIMITS.name} characters`);
    }
    if ((fields[name] ?? '').length > PAYER_INPUT_LIMITS.value) {
      invalid(`fields.${name}`, `fields.${name} is longer than ${PAYER_INPUT_LIMITS.value}`);
    }
  }
}

/** What the payer is told when the provider sent no text of its own. */
export const PAYER_MESSAGES = {
  pending:
    'The provider is still checking this transaction; the payment completes once it confirms.',
  review: 'The transaction could not be matched automatically; it will be reviewed.',
  retry: 'The transaction number was not accepted. Check it and try again.',
  failed: 'The payment failed.',
} as const;

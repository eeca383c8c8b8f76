import { providerErrors } from '../../domain/errors';
import type { ProviderTransactionRepository } from '../../domain/ports';
import {
  isFinal,
  type NewProviderTransaction,
  type ProviderTransaction,
  startConflictField,
} from '../../domain/provider-transaction';

/**
 * The transaction of a payment at a provider, created on the first start and reused on every
 * retry (the provider sees one order per payment). Refuses the same payment with another amount,
 * currency or merchant (PROVIDER_PAYMENT_CONFLICT naming the field) and a settled one
 * (PROVIDER_PAYMENT_ALREADY_FINAL). Switches the method of an open one when the payer picked
 * another method of the same provider.
 */
export async function startOnce(
  transactions: ProviderTransactionRepository,
  incoming: NewProviderTransaction,
): Promise<{ transaction: ProviderTransaction; created: boolean }> {
  const { transaction: stored, created } = await transactions.createOnce(incoming);
  if (created) return { transaction: stored, created };
  if (stored.paymentId !== incoming.paymentId) {
    // The external reference (e.g. a QR code id) is already another payment's.
    throw providerErrors.create(
      'PROVIDER_PAYMENT_CONFLICT',
      `the reference of payment ${incoming.paymentId} belongs to another payment`,
      { details: { field: 'external_ref' } },
    );
  }
  const field = startConflictField(stored, incoming);
  if (field) {
    throw providerErrors.create(
      'PROVIDER_PAYMENT_CONFLICT',
      `payment ${incoming.paymentId} was started before with a different ${field}`,
      { details: { field } },
    );
  }
  if (isFinal(stored.status)) {
    throw providerErrors.create(
      'PROVIDER_PAYMENT_ALREADY_FINAL',
      `payment ${incoming.paymentId} is ${stored.status}`,
      { details: { status: stored.status } },
    );
  }
  if (stored.method !== incoming.method) {
    const changed = await transactions.changeMethod(stored.id, incoming.method);
    if (!changed) {
      throw providerErrors.create(
        'PROVIDER_PAYMENT_ALREADY_FINAL',
        `payment ${incoming.paymentId} is no longer unpaid`,
      );
    }
    return { transaction: changed, created: false };
  }
  return { transaction: stored, created: false };
}

/** An optional return URL: absolute http(s), at most maxLength characters; '' when absent. */
export function checkReturnUrl(url: string, field: string, maxLength = 2048): string {
  const trimmed = url.trim();
  if (trimmed === '') return '';
  const invalid = (message: string) =>
    providerErrors.create('PROVIDER_INVALID_REQUEST', message, { details: { field } });
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalid(`${field} must be an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`${field} must be http(s)`);
  if (trimmed.length > maxLength) throw invalid(`${field} must be at most ${maxLength} characters`);
  return trimmed;
}

import { checkoutErrors } from '../domain/errors';
import type { Merchant } from '../domain/merchant';
import { LIMITS } from '../domain/payment-request';
import type { Clock, MerchantRepository } from '../domain/ports';
import { newFormSecret, newWebhookSecret } from './create-merchant';
import type { DeliverOnboarding } from './onboarding';

export interface RotateSecretDeps {
  merchants: MerchantRepository;
  clock: Clock;
  deliverOnboarding: DeliverOnboarding;
}

export const DEFAULT_OVERLAP_MS = 24 * 60 * 60 * 1000;
export const MAX_OVERLAP_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Rotates the form-signing or the webhook signing secret with an overlap: the new secret is
 * primary at once, the replaced one stays valid until the overlap ends (forms signed with it are
 * accepted; the notifier signs with both). The webhook rotation reaches the notifier as an
 * onboarding step, delivered now or by the sweeper. The new secret is returned once.
 */
export function makeRotateSecret(deps: RotateSecretDeps) {
  return async (input: {
    merchantId: string;
    kind: 'form' | 'webhook';
    overlapSeconds: number;
    idempotencyKey: string;
  }): Promise<{
    secret: string;
    previousExpiresAt: Date;
    merchant: Merchant;
    replayed: boolean;
  }> => {
    if (!Number.isInteger(input.overlapSeconds) || input.overlapSeconds < 0) {
      throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', 'overlap_seconds must be >= 0', {
        details: { field: 'overlap_seconds' },
      });
    }
    const overlapMs = input.overlapSeconds === 0 ? DEFAULT_OVERLAP_MS : input.overlapSeconds * 1000;
    if (overlapMs > MAX_OVERLAP_MS) {
      throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', 'overlap_seconds is over 30 days', {
        details: { field: 'overlap_seconds' },
      });
    }
    if (!input.idempotencyKey || input.idempotencyKey.length > LIMITS.idempotencyKey) {
      throw checkoutErrors.create(
        'IDEMPOTENCY_KEY_REQUIRED',
        `a rotation needs an idempotency key of 1 to ${LIMITS.idempotencyKey} characters`,
        { details: { field: 'idempotency_key' } },
      );
    }
    const now = deps.clock.now();
    const previousExpiresAt = new Date(now.getTime() + overlapMs);
    const secret = input.kind === 'form' ? newFormSecret() : newWebhookSecret();
    const outcome = input.merchantId
      ? await deps.merchants.rotateSecret(
          input.merchantId,
          input.kind,
          secret,
          previousExpiresAt,
          now,
          { idempotencyKey: input.idempotencyKey, overlapSeconds: input.overlapSeconds },
        )
      : undefined;
    if (!outcome) throw checkoutErrors.create('MERCHANT_NOT_FOUND', 'merchant not found');
    if (outcome.kind === 'key_reused') {
      throw checkoutErrors.create(
        'IDEMPOTENCY_KEY_REUSED',
        outcome.reason === 'superseded'
          ? 'this idempotency key rotated a secret that a later rotation has replaced'
          : 'this idempotency key rotated a secret with another kind or overlap_seconds',
        { details: { field: 'idempotency_key' } },
      );
    }
    const merchant = outcome.merchant;
    const after = input.kind === 'webhook' ? await deps.deliverOnboarding(merchant.id) : merchant;
    return outcome.kind === 'replayed'
      ? {
          secret: outcome.secret,
          previousExpiresAt: outcome.previousExpiresAt,
          merchant: after ?? merchant,
          replayed: true,
        }
      : { secret, previousExpiresAt, merchant: after ?? merchant, replayed: false };
  };
}

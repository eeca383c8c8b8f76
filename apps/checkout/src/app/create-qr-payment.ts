import { checkoutErrors } from '../domain/errors';
import { methodTakesCurrency } from '../domain/method-capabilities';
import { isOpen, type PaymentView } from '../domain/payment';
import type { CreatePaymentInput } from '../domain/payment-request';
import type { Clock, MerchantRepository } from '../domain/ports';
import type { CreatePayment } from './create-payment';
import type { makeStartOwnPayment } from './start-payment';

/** A dynamic code must stay payable at least this long (unless configured otherwise)… */
export const QR_EXPIRY_MIN_MS = 60_000;
/** …and at most this long (a code per order, not a standing one). */
export const QR_EXPIRY_MAX_MS = 30 * 24 * 60 * 60 * 1000;

export interface CreateQrPaymentDeps {
  merchants: Pick<MerchantRepository, 'findById'>;
  createPayment: CreatePayment;
  startOwnPayment: ReturnType<typeof makeStartOwnPayment>;
  clock: Clock;
  /** The shortest expiry allowed; QR_EXPIRY_MIN_MS unless set. */
  minExpiryMs?: number;
}

export interface CreateQrPaymentInput {
  payment: CreatePaymentInput;
  /** When the code stops being payable; null when the request had none. */
  expiresAt: Date | null;
}

export interface CreateQrPaymentOutput {
  view: PaymentView;
  qrCodeId: string;
  replayed: boolean;
}

function expiryInvalid(message: string, minMs: number): never {
  throw checkoutErrors.create('PAYMENT_EXPIRES_AT_INVALID', message, {
    details: {
      field: 'expires_at',
      min_seconds: String(minMs / 1000),
      max_seconds: String(QR_EXPIRY_MAX_MS / 1000),
    },
  });
}

/**
 * A merchant's dynamic QR code for one order: creates the payment with expires_at as its own
 * expiry (1 minute to 30 days ahead, else PAYMENT_EXPIRES_AT_INVALID; a merchant without qr
 * enabled is PAYMENT_METHOD_NOT_ENABLED, a currency qr cannot take PAYMENT_METHOD_UNAVAILABLE;
 * all before anything is written), then starts it with
 * method qr through the one start path, so qr-platform issues its code (one per payment) and
 * the adapters register it. Idempotent on (merchant, key) like CreatePayment: a replay answers
 * the same payment and code (finishing a start an earlier call could not); another request with
 * the key is IDEMPOTENCY_KEY_REUSED, as is a key first used by CreatePayment (field `kind`).
 * expires_at is not compared on a replay: a retried `expires_in` request computes another
 * instant, and the first one stands.
 */
export function makeCreateQrPayment(deps: CreateQrPaymentDeps) {
  return async (input: CreateQrPaymentInput): Promise<CreateQrPaymentOutput> => {
    const now = deps.clock.now();
    const minMs = deps.minExpiryMs ?? QR_EXPIRY_MIN_MS;
    const { expiresAt } = input;
    if (!expiresAt) expiryInvalid('expires_at is required', minMs);
    const ahead = expiresAt.getTime() - now.getTime();
    if (ahead < minMs) {
      expiryInvalid(`expires_at must be at least ${minMs / 1000} seconds ahead`, minMs);
    }
    if (ahead > QR_EXPIRY_MAX_MS) expiryInvalid('expires_at must be at most 30 days ahead', minMs);
    const merchant = input.payment.merchantId
      ? await deps.merchants.findById(input.payment.merchantId)
      : undefined;
    if (merchant && !merchant.enabledMethods.includes('qr')) {
      throw checkoutErrors.create('PAYMENT_METHOD_NOT_ENABLED', 'qr is not enabled for you', {
        details: { method: 'qr' },
      });
    }
    if (!methodTakesCurrency('qr', input.payment.currency)) {
      throw checkoutErrors.create(
        'PAYMENT_METHOD_UNAVAILABLE',
        `qr cannot take payments in ${input.payment.currency}`,
        { details: { method: 'qr', currency: input.payment.currency, field: 'currency' } },
      );
    }

    const created = await deps.createPayment(input.payment, { expiresAt, kind: 'qr' });
    const { payment } = created.view;
    const known = payment.providerAttributes['qr_code_id'] ?? '';
    if (created.replayed && known !== '' && payment.status !== 'created') {
      // Started before: the same payment and code, whatever became of the payment since.
      return { view: created.view, qrCodeId: known, replayed: true };
    }
    if (!isOpen(payment.status)) {
      // A replay of a payment that expired or was canceled before a code was issued for it.
      throw checkoutErrors.create(
        'PAYMENT_NOT_PAYABLE',
        `payment is ${payment.status} and cannot be paid`,
        { details: { status: payment.status } },
      );
    }
    const started = await deps.startOwnPayment(payment, 'qr', {});
    return { view: started.view, qrCodeId: started.qrCodeId, replayed: created.replayed };
  };
}

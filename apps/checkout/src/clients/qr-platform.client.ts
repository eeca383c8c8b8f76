import {
  CreateQrCodeRequest,
  GetQrCodeRequest,
  type QrCode,
  QrKind,
  QrServiceClient,
} from '@tolem/contracts/qr';
import { isDomainError } from '@tolem/errors';
import { createClient } from '@tolem/grpc-kit';

import { checkoutErrors } from '../domain/errors';
import type { QrCodePort, StoredQrCode } from '../domain/ports';

function storedCodeOf(code: QrCode | undefined): StoredQrCode {
  const kind =
    code?.kind === QrKind.QR_KIND_STATIC
      ? 'static'
      : code?.kind === QrKind.QR_KIND_DYNAMIC
        ? 'dynamic'
        : null;
  if (!code?.id || !code.merchantId || !kind) {
    throw checkoutErrors.create(
      'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
      'qr-platform: GetQrCode without id, merchant or kind',
    );
  }
  return {
    id: code.id,
    merchantId: code.merchantId,
    kind,
    description: code.description,
    livemode: code.livemode,
    paymentId: code.paymentId,
  };
}

/** QrCodePort over gRPC to qr-platform; errors keep qr-platform's codes. */
export function createQrPlatformClient(
  address: string,
  options: { deadlineMs: number },
): QrCodePort & { close(): void } {
  const client = createClient(QrServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async createDynamicCode(input) {
      const res = await client.createQrCode(
        CreateQrCodeRequest.fromPartial({
          merchantId: input.merchantId,
          idempotencyKey: input.idempotencyKey,
          kind: QrKind.QR_KIND_DYNAMIC,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          description: input.description,
          livemode: input.livemode,
          expiresAt: input.expiresAt,
          paymentId: input.paymentId,
          merchantDisplayName: input.merchantName,
        }),
      );
      const code = res.qrCode;
      if (!code?.id || !code.payload || !code.link) {
        throw checkoutErrors.create(
          'CHECKOUT_UPSTREAM_INVALID_RESPONSE',
          'qr-platform: CreateQrCode without id, payload or link',
        );
      }
      return { id: code.id, payload: code.payload, link: code.link };
    },
    async getCode(id) {
      try {
        const res = await client.getQrCode(GetQrCodeRequest.fromPartial({ qrCodeId: id }));
        return storedCodeOf(res.qrCode);
      } catch (err) {
        if (isDomainError(err) && err.code === 'QR_CODE_NOT_FOUND') return undefined;
        throw err;
      }
    },
    close: () => client.close(),
  };
}

import { CreateQrCodeRequest, QrKind, QrServiceClient } from '@tolem/contracts/qr';
import { createClient } from '@tolem/grpc-kit';

import { checkoutErrors } from '../domain/errors';
import type { QrCodePort } from '../domain/ports';

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
    close: () => client.close(),
  };
}

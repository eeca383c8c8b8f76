import {
  CreateQrCodeResponse,
  GetQrCodeResponse,
  ListQrCodePaymentsResponse,
  ListQrCodesResponse,
  type QrServiceService,
  ResolveQrPayloadResponse,
  WatchQrPaymentResponse,
} from '@tolem/contracts/qr';
import type { Handlers } from '@tolem/grpc-kit';
import type { Clock } from '@tolem/runtime';

import type { CreateQrCode } from '../app/create-qr-code';
import type { GetQrCode } from '../app/get-qr-code';
import type { ListQrCodePayments } from '../app/list-qr-code-payments';
import type { ListQrCodes } from '../app/list-qr-codes';
import type { ResolveQrPayload } from '../app/resolve-qr-payload';
import type { WatchQrPayment } from '../app/watch-qr-payment';
import {
  createRequestToDomain,
  kindFilterFromProto,
  qrCodeToProto,
  qrPaymentToProto,
  statusToProto,
} from './qr.mapper';

export interface QrHandlerDeps {
  createQrCode: CreateQrCode;
  getQrCode: GetQrCode;
  listQrCodes: ListQrCodes;
  resolveQrPayload: ResolveQrPayload;
  listQrCodePayments: ListQrCodePayments;
  watchQrPayment: WatchQrPayment;
  clock: Clock;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function qrHandlers(deps: QrHandlerDeps): Handlers<typeof QrServiceService> {
  const toProto = (code: Parameters<typeof qrCodeToProto>[0]) =>
    qrCodeToProto(code, deps.clock.now());
  return {
    async createQrCode(req) {
      const { qrCode, replayed } = await deps.createQrCode(createRequestToDomain(req));
      return CreateQrCodeResponse.fromPartial({ qrCode: toProto(qrCode), replayed });
    },
    async getQrCode(req) {
      const qrCode = await deps.getQrCode(req.qrCodeId, req.merchantId || undefined);
      return GetQrCodeResponse.fromPartial({ qrCode: toProto(qrCode) });
    },
    async listQrCodes(req) {
      const page = await deps.listQrCodes({
        merchantId: req.merchantId,
        limit: req.limit,
        startingAfter: req.startingAfter,
        kind: kindFilterFromProto(req.kind),
        livemode: req.livemode,
      });
      return ListQrCodesResponse.fromPartial({
        qrCodes: page.items.map(toProto),
        hasMore: page.hasMore,
      });
    },
    async resolveQrPayload(req) {
      const { qrCode, visibleFields } = await deps.resolveQrPayload(req.payload);
      return ResolveQrPayloadResponse.fromPartial({ qrCode: toProto(qrCode), visibleFields });
    },
    async listQrCodePayments(req) {
      const page = await deps.listQrCodePayments({
        qrCodeId: req.qrCodeId,
        merchantId: req.merchantId,
        limit: req.limit,
        startingAfter: req.startingAfter,
      });
      return ListQrCodePaymentsResponse.fromPartial({
        payments: page.items.map(qrPaymentToProto),
        hasMore: page.hasMore,
      });
    },
    async *watchQrPayment(req, ctx) {
      const items = deps.watchQrPayment(
        { qrCodeId: req.qrCodeId, merchantId: req.merchantId },
        ctx.signal,
      );
      for await (const item of items) {
        yield WatchQrPaymentResponse.fromPartial({
          payment: qrPaymentToProto(item.payment),
          snapshot: item.snapshot,
          codeStatus: statusToProto(item.codeStatus),
        });
      }
    },
  };
}

import {
  CreateQrCodeResponse,
  GetQrCodeResponse,
  type QrServiceService,
} from '@tolem/contracts/qr';
import type { Handlers } from '@tolem/grpc-kit';

import type { CreateQrCode } from '../app/create-qr-code';
import type { GetQrCode } from '../app/get-qr-code';
import { createRequestToDomain, qrCodeToProto } from './qr.mapper';

export interface QrHandlerDeps {
  createQrCode: CreateQrCode;
  getQrCode: GetQrCode;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function qrHandlers(deps: QrHandlerDeps): Handlers<typeof QrServiceService> {
  return {
    async createQrCode(req) {
      const { qrCode, replayed } = await deps.createQrCode(createRequestToDomain(req));
      return CreateQrCodeResponse.fromPartial({ qrCode: qrCodeToProto(qrCode), replayed });
    },
    async getQrCode(req) {
      const qrCode = await deps.getQrCode(req.qrCodeId);
      return GetQrCodeResponse.fromPartial({ qrCode: qrCodeToProto(qrCode) });
    },
  };
}

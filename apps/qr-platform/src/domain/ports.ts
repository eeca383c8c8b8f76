import type { NewQrCode, QrCode } from './qr-code';

/** Storage of issued QR codes; one code per (merchant, idempotency key). */
export interface QrCodeRepository {
  /** Inserts unless the merchant already used the key; returns the stored code either way. */
  insertOnce(code: NewQrCode): Promise<{ qrCode: QrCode; inserted: boolean }>;
  findById(id: string): Promise<QrCode | undefined>;
}

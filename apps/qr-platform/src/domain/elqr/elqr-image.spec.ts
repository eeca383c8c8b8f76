import { renderQrPng, renderQrSvg } from '@tolem/qr-render';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

import { buildElqrLink, ELQR_DEFAULT_LINK_BASE_URL, parseElqrLink } from './link';
import { buildElqrPayload, type ElqrPayment, parseElqrPayload } from './payload';

/** Codes as qr-platform issues them (composeQrCode's layout), with Cyrillic comments and names. */
const dynamic: ElqrPayment = {
  version: '01',
  type: 'dynamic',
  service: {
    providerId: 'qr.tolem.kg',
    serviceCode: 'tolem',
    transactionId: 'qrc_01JF3Z8Q4W7N2K5M9R1T6V0XYZ',
    amountEditable: false,
    recipientIdEditable: false,
  },
  merchant: { merchantId: 'mer_01JF3Z8Q4W7N2K5M9R1T6V0MER' },
  comment: 'Заказ №42: кофе и чай',
  mcc: '5812',
  currency: '417',
  amountTyiyn: 150_000n,
  name: 'Кофейня Бишкек',
};
// A static code has no amount: the payer enters it.
const { amountTyiyn: _amount, ...withoutAmount } = dynamic;
const staticCode: ElqrPayment = {
  ...withoutAmount,
  type: 'static',
  service: {
    providerId: 'qr.tolem.kg',
    serviceCode: 'tolem',
    recipientId: 'qrc_01JF3Z8Q4W7N2K5M9R1T6V0ABC',
    recipientIdEditable: false,
  },
  comment: 'Касса №1: кофе',
};

async function scanPng(text: string): Promise<string | undefined> {
  const image = PNG.sync.read(await renderQrPng(text));
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  return code ? Buffer.from(code.binaryData).toString('utf8') : undefined;
}

describe('ELQR codes as images (libs/qr-render, read back by jsQR)', () => {
  it.each([
    ['dynamic', dynamic],
    ['static', staticCode],
  ])(
    'a %s payment link survives print and scan: the scanned link parses to the same payment',
    async (_kind, payment) => {
      const payload = buildElqrPayload(payment);
      const link = buildElqrLink(ELQR_DEFAULT_LINK_BASE_URL, payload);
      const scanned = await scanPng(link);
      expect(scanned).toBe(link);
      const parsed = parseElqrLink(scanned!);
      expect(parsed.checksumValid).toBe(true);
      expect(parsed.payment).toEqual(payment);
    },
  );

  it('a raw payload (UTF-8 Cyrillic in byte mode) survives too, checksum intact', async () => {
    const payload = buildElqrPayload(dynamic);
    const scanned = await scanPng(payload);
    expect(scanned).toBe(payload);
    expect(parseElqrPayload(scanned!, { verifyChecksum: true }).payment).toEqual(dynamic);
    expect(renderQrSvg(payload)).not.toBe(renderQrSvg(buildElqrPayload(staticCode)));
  });
});

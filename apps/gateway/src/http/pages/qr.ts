import QRCode from 'qrcode';

import { escapeHtml } from './html';

/** Light modules around the code, as ISO/IEC 18004 asks, so scanners find its edges. */
const QUIET_ZONE = 4;

/**
 * The payment link as an inline SVG QR code, drawn on the server (qrcode computes the modules;
 * one path of unit squares draws them), so it needs no script or image request under the CSP.
 * Error correction M: scans from a screen with some glare, and a long ELQR link still fits.
 */
export function qrSvg(text: string, label: string): string {
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const { size, data } = code.modules;
  const dim = size + QUIET_ZONE * 2;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (data[row * size + col]) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return [
    `<svg id="qr-image" class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${dim} ${dim}" role="img" aria-label="${escapeHtml(label)}" shape-rendering="crispEdges">`,
    `<rect width="${dim}" height="${dim}" fill="#fff"/>`,
    `<path fill="#000" d="${path}"/>`,
    '</svg>',
  ].join('');
}

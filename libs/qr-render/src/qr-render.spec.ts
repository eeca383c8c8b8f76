import { XMLParser, XMLValidator } from 'fast-xml-parser';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';

import {
  QR_MAX_SCALE,
  QR_PNG_RENDERER_OPTIONS,
  QR_PRINT_PIXELS,
  QR_QUIET_ZONE,
  qrModuleCount,
  renderQrPng,
  renderQrSvg,
  scaleFor,
} from './qr-render';

/*
 * Real ELQR payloads: the public Finik vectors (protocols.md §5.2) and two built by
 * apps/qr-platform's buildElqrPayload the way it issues codes, with a Cyrillic comment and name
 * (`:` and `№` inside the comment), as raw payloads and as payment links (percent-encoded).
 */
const FINIK_DYNAMIC =
  '00020101021232810011qr.finik.kg0114averspay-items10328606240d690d42e4b036d3dba9d0371a120212130212520448295303417540712412005908Finik-QR6304b127';
const FINIK_STATIC =
  '00020101021132750011qr.finik.kg0114averspay-items10326cc60f3c453e4286ae7bbbed49208ead1302125204482953034175908Finik-QR630424e3';
const TOLEM_DYNAMIC =
  '00020101021232580011qr.tolem.kg0105tolem1130qrc_01JF3Z8Q4W7N2K5M9R1T6V0XYZ3415Заказ №42: кофе52045812530341754061500005914Кофейня Бишкек630454c2';
const TOLEM_STATIC =
  '00020101021132640011qr.tolem.kg0105tolem1130qrc_01JF3Z8Q4W7N2K5M9R1T6V0ABC1202113413Касса 1: кофе5204581253034175914Кофейня Бишкек63049711';
const TOLEM_DYNAMIC_LINK = `https://pay.payqr.kg/#${encodeURI(TOLEM_DYNAMIC)}`;

const PAYLOADS = {
  'Finik dynamic': FINIK_DYNAMIC,
  'Finik static': FINIK_STATIC,
  'dynamic, Cyrillic comment': TOLEM_DYNAMIC,
  'static, Cyrillic comment': TOLEM_STATIC,
  'payment link': TOLEM_DYNAMIC_LINK,
};

/** Decodes with jsQR, a reader this project did not write; the bytes are read as UTF-8. */
function decode(rgba: Uint8Array, width: number, height: number): string | undefined {
  const code = jsQR(new Uint8ClampedArray(rgba), width, height);
  return code ? Buffer.from(code.binaryData).toString('utf8') : undefined;
}

function decodePng(png: Buffer): { text: string | undefined; width: number; height: number } {
  const image = PNG.sync.read(png);
  return { text: decode(image.data, image.width, image.height), ...image };
}

/**
 * Rasterises qrcode's SVG path (horizontal runs of stroke 1 at y + 0.5: `M x y`, `m dx dy`, `h n`)
 * at `px` pixels per module, so the SVG's own geometry is what jsQR reads.
 */
function rasterSvg(svg: string, px = 4): { text: string | undefined; modules: number } {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const modules = Number(viewBox?.[1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const side = modules * px;
  const rgba = new Uint8Array(side * side * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, cmd, a, b] of d.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (cmd === 'M') [x, y] = [Number(a), Number(b) - 0.5];
    else if (cmd === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let col = x; col < x + Number(a); col++) {
        for (let dy = 0; dy < px; dy++) {
          for (let dx = 0; dx < px; dx++) {
            const at = ((y * px + dy) * side + col * px + dx) * 4;
            rgba.fill(0, at, at + 3);
          }
        }
      }
      x += Number(a);
    }
  }
  return { text: decode(rgba, side, side), modules };
}

describe('renderQrPng', () => {
  it.each(Object.entries(PAYLOADS))(
    'renders a %s payload that an independent reader decodes back exactly',
    async (_name, payload) => {
      const png = await renderQrPng(payload);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const { text, width, height } = decodePng(png);
      expect(text).toBe(payload);
      expect(width).toBe(height);
      // Print resolution: at least 4 cm at 300 dpi, in whole pixels per module.
      expect(width).toBeGreaterThanOrEqual(QR_PRINT_PIXELS);
      expect(width % qrModuleCount(payload)).toBe(0);
    },
  );

  it('uses the smallest whole scale that reaches the asked width, and an explicit scale as given', async () => {
    const modules = qrModuleCount(TOLEM_DYNAMIC);
    const scale = scaleFor(modules);
    expect(PNG.sync.read(await renderQrPng(TOLEM_DYNAMIC)).width).toBe(modules * scale);
    expect(modules * (scale - 1)).toBeLessThan(QR_PRINT_PIXELS);
    const small = decodePng(await renderQrPng(TOLEM_DYNAMIC, { scale: 3 }));
    expect(small.width).toBe(modules * 3);
    expect(small.text).toBe(TOLEM_DYNAMIC);
    const wide = PNG.sync.read(await renderQrPng(TOLEM_DYNAMIC, { minWidth: 700 }));
    expect(wide.width).toBe(modules * Math.ceil(700 / modules));
  });

  it('matches qrcode called directly with the same options, byte for byte', async () => {
    const scale = scaleFor(qrModuleCount(FINIK_DYNAMIC));
    const direct = await QRCode.toBuffer(FINIK_DYNAMIC, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: QR_QUIET_ZONE,
      scale,
      rendererOpts: QR_PNG_RENDERER_OPTIONS,
    });
    expect((await renderQrPng(FINIK_DYNAMIC)).equals(direct)).toBe(true);
  });

  it("is an 8-bit grayscale PNG with the same pixels as qrcode's default RGBA one", async () => {
    const ours = await renderQrPng(FINIK_STATIC, { scale: 4 });
    // IHDR: bit depth at byte 24, colour type at byte 25 (0 = grayscale).
    expect([ours[24], ours[25]]).toEqual([8, 0]);
    const rgba = await QRCode.toBuffer(FINIK_STATIC, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: QR_QUIET_ZONE,
      scale: 4,
    });
    expect(PNG.sync.read(ours).data.equals(PNG.sync.read(rgba).data)).toBe(true);
    expect(ours.length).toBeLessThan(rgba.length);
  });

  it('refuses a scale that is not a whole number within bounds', async () => {
    for (const scale of [0, -1, 1.5, QR_MAX_SCALE + 1, Number.NaN]) {
      await expect(renderQrPng(FINIK_STATIC, { scale })).rejects.toThrow(RangeError);
    }
  });

  it('caps the computed scale, so an absurd width cannot make a huge image', () => {
    expect(scaleFor(33, 1_000_000)).toBe(QR_MAX_SCALE);
    expect(scaleFor(1000, 10)).toBe(1);
  });
});

describe('renderQrSvg', () => {
  it.each(Object.entries(PAYLOADS))(
    'renders a %s payload as well-formed SVG whose modules decode back exactly',
    (_name, payload) => {
      const svg = renderQrSvg(payload);
      expect(XMLValidator.validate(svg)).toBe(true);
      const { svg: root } = new XMLParser({ ignoreAttributes: false }).parse(svg) as {
        svg: Record<string, string>;
      };
      expect(root['@_xmlns']).toBe('http://www.w3.org/2000/svg');
      // Vector: a viewBox in modules, no fixed width, so it prints at any size.
      const modules = qrModuleCount(payload);
      expect(root['@_viewBox']).toBe(`0 0 ${modules} ${modules}`);
      expect(root['@_width']).toBeUndefined();
      const raster = rasterSvg(svg);
      expect(raster.modules).toBe(modules);
      expect(raster.text).toBe(payload);
    },
  );

  it('has the module count of the QR version plus a quiet zone of 4 on each side', () => {
    const { modules: m } = QRCode.create(FINIK_DYNAMIC, { errorCorrectionLevel: 'M' });
    expect(qrModuleCount(FINIK_DYNAMIC)).toBe(m.size + 8);
    expect(renderQrSvg(FINIK_DYNAMIC)).toContain(`viewBox="0 0 ${m.size + 8} ${m.size + 8}"`);
    // The first dark run is the top-left finder pattern's 7 modules, just inside the quiet zone.
    expect(renderQrSvg(FINIK_DYNAMIC)).toMatch(/d="M4 4\.5h7/);
  });

  it('puts the given attributes first on the svg element, escaped, and stays well-formed', () => {
    const svg = renderQrSvg(FINIK_STATIC, {
      id: 'qr-image',
      role: 'img',
      'aria-label': 'QR <code> "of" the payment & more',
    });
    expect(svg).toMatch(
      /^<svg id="qr-image" role="img" aria-label="QR &lt;code&gt; &quot;of&quot; the payment &amp; more" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox=/,
    );
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(() => renderQrSvg(FINIK_STATIC, { 'onload="x"': 'y' })).toThrow(/attribute name/);
  });

  it('is identical to qrcode called directly, and differs for different payloads', async () => {
    const direct = await QRCode.toString(FINIK_STATIC, {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: QR_QUIET_ZONE,
    });
    expect(renderQrSvg(FINIK_STATIC)).toBe(direct);
    expect(renderQrSvg(FINIK_STATIC)).not.toBe(renderQrSvg(FINIK_DYNAMIC));
  });

  it('has no script, style or external reference (fits a strict CSP)', () => {
    const svg = renderQrSvg(TOLEM_DYNAMIC_LINK);
    expect(svg).not.toMatch(/<script|<style|style=|href=|url\(/i);
  });
});

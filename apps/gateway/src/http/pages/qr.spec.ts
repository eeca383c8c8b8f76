import { qrModuleCount, renderQrSvg } from '@tolem/qr-render';
import { describe, expect, it } from 'vitest';

import { qrSvg } from './qr';

describe('qrSvg', () => {
  const link = 'https://pay.payqr.kg/#00020101021232990012c2c.payqr.kg6304ABCD';

  it("is the library's SVG of the code, as an image with the page's id, class and an escaped label", () => {
    const svg = qrSvg(link, 'QR <code> "of" the payment');
    expect(svg).toMatch(
      /^<svg id="qr-image" class="qr" role="img" aria-label="QR &lt;code&gt; &quot;of&quot; the payment" xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
    const modules = qrModuleCount(link);
    expect(svg).toContain(`viewBox="0 0 ${modules} ${modules}"`);
    // Everything after the attributes is the library's own drawing of the same code.
    expect(svg.slice(svg.indexOf('xmlns='))).toBe(renderQrSvg(link).slice('<svg '.length));
  });

  it('differs for different payloads and is stable for one', () => {
    expect(qrSvg(link, 'x')).toBe(qrSvg(link, 'x'));
    expect(qrSvg(link, 'x')).not.toBe(qrSvg(`${link}0`, 'x'));
  });
});

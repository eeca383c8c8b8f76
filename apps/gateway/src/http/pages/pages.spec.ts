import { createHash } from 'node:crypto';

import { Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import { renderErrorPage } from './error.page';
import { AUTO_SUBMIT_SCRIPT, escapeHtml, PAGE_CSP, safeHttpUrl } from './html';
import { formatAmount, renderPaymentPage } from './pay.page';
import { renderInstructions, renderProviderForm } from './provider.page';

const XSS = `"><script>alert('x')</script>&`;

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('Оплата №5 + 10%')).toBe('Оплата №5 + 10%');
  });

  it('keeps only http(s) URLs as links', () => {
    expect(safeHttpUrl('https://shop.example/ok?a=1')).toBe('https://shop.example/ok?a=1');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('')).toBeNull();
  });
});

describe('renderProviderForm', () => {
  it('renders the provider form with every field in order, escaped, and the pinned script', () => {
    const html = renderProviderForm({
      url: 'https://sandbox.example/webmoney/lmi/payment_utf.asp?a=1&b=2',
      acceptCharset: 'utf-8',
      fields: [
        { name: 'LMI_PAYMENT_AMOUNT', value: '19.99' },
        { name: 'LMI_PAYMENT_DESC', value: `Оплата ${XSS}` },
        { name: 'LMI_PAYEE_PURSE', value: 'Z123456789012' },
      ],
    });
    expect(html).toContain(
      '<form id="provider-form" method="post" action="https://sandbox.example/webmoney/lmi/payment_utf.asp?a=1&amp;b=2" accept-charset="utf-8">',
    );
    const inputs = [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(inputs).toEqual([
      ['LMI_PAYMENT_AMOUNT', '19.99'],
      ['LMI_PAYMENT_DESC', 'Оплата &quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;'],
      ['LMI_PAYEE_PURSE', 'Z123456789012'],
    ]);
    expect(html).not.toContain("<script>alert('x')");
    expect(html).toContain('<button type="submit">');
    expect(html).toContain(`<script>${AUTO_SUBMIT_SCRIPT}</script>`);
    const hash = createHash('sha256').update(AUTO_SUBMIT_SCRIPT).digest('base64');
    expect(PAGE_CSP).toContain(`'sha256-${hash}'`);
  });

  it('defaults the charset to utf-8', () => {
    expect(
      renderProviderForm({ url: 'https://p.example', acceptCharset: '', fields: [] }),
    ).toContain('accept-charset="utf-8"');
  });
});

describe('renderPaymentPage', () => {
  const payment = Payment.fromPartial({
    id: 'pay_01abc',
    amount: { amountMinor: 1999n, currency: 'USD' },
    status: PaymentStatus.PAYMENT_STATUS_CREATED,
    description: `Book ${XSS}`,
    availableMethods: [
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      PaymentMethod.PAYMENT_METHOD_WEBMONEY_KEEPER_MOBILE,
      PaymentMethod.PAYMENT_METHOD_CARD,
      PaymentMethod.PAYMENT_METHOD_WAVEPAY,
      PaymentMethod.PAYMENT_METHOD_QR,
    ],
    successUrl: 'https://shop.example/ok',
  });

  it('shows the amount for display, the escaped description and one form per method', () => {
    const html = renderPaymentPage(payment);
    expect(html).toContain('19.99 USD');
    expect(html).toContain('Book &quot;&gt;&lt;script&gt;');
    expect(html).not.toContain('<script>');
    const methods = [
      ...html.matchAll(
        /<form class="method" method="post" action="\/pay\/pay_01abc\/start">\n<input type="hidden" name="method" value="([a-z_]+)">/g,
      ),
    ].map((m) => m[1]);
    expect(methods).toEqual(['webmoney_purse', 'webmoney_keeper_mobile', 'card', 'wavepay', 'qr']);
    expect(html.match(/name="phone"/g)).toHaveLength(1);
  });

  it('shows the status of a terminal payment instead of the forms, with the way back', () => {
    const html = renderPaymentPage({ ...payment, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED });
    expect(html).toContain('data-status="succeeded"');
    expect(html).not.toContain('/start');
    expect(html).toContain('href="https://shop.example/ok"');
    const failed = renderPaymentPage({
      ...payment,
      status: PaymentStatus.PAYMENT_STATUS_FAILED,
      failUrl: 'javascript:x',
    });
    expect(failed).toContain('data-status="failed"');
    expect(failed).not.toContain('javascript:');
  });

  it('formats amounts by the currency exponent', () => {
    expect(formatAmount({ amountMinor: 1500n, currency: 'JPY' })).toBe('1500 JPY');
    expect(formatAmount({ amountMinor: 5n, currency: 'KWD' })).toBe('0.005 KWD');
    expect(formatAmount({ amountMinor: 5n, currency: 'ZZZ' })).toBe('5 ZZZ (minor units)');
  });
});

describe('other pages', () => {
  it('lists instruction values escaped', () => {
    const html = renderInstructions('pay_1', {
      title: 'Pay in Wavepay',
      values: { wallet: '09 123', note: XSS },
    });
    expect(html).toContain('<dt>wallet</dt><dd>09 123</dd>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('shows the error code, status and request id escaped', () => {
    const html = renderErrorPage(
      { status: 422, code: 'PAYMENT_NOT_PAYABLE', message: XSS, details: {} },
      'req_1',
    );
    expect(html).toContain('PAYMENT_NOT_PAYABLE');
    expect(html).toContain('HTTP 422');
    expect(html).toContain('req_1');
    expect(html).not.toContain('<script>');
  });
});

import { createHash } from 'node:crypto';

import { Payment, PaymentStatus } from '@tolem/contracts/checkout';
import { PaymentMethod } from '@tolem/contracts/common';
import { describe, expect, it } from 'vitest';

import { renderErrorPage } from './error.page';
import {
  AUTO_SUBMIT_SCRIPT,
  COUNTDOWN_SCRIPT,
  escapeHtml,
  PAGE_CSP,
  safeHttpUrl,
  STATUS_POLL_SCRIPT,
} from './html';
import { type Locale } from './i18n';
import {
  instructionsKind,
  pluginHref,
  renderAwaitingConfirmation,
  renderInstructionsPage,
  renderPayerInputPage,
  renderPaymentReceived,
  renderUnderReview,
} from './instructions.page';
import { formatAmount, renderPaymentPage } from './pay.page';
import { renderProviderForm } from './provider.page';

const XSS = `"><script>alert('x')</script>&`;

/** A page secret as checkout makes them, and this browser's form token. */
const SECRET = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
const CSRF = 'csrf-token-of-this-browser';
const accessTo = (paymentId: string, locale: Locale = 'en') => ({
  paymentId,
  secret: SECRET,
  csrfToken: CSRF,
  locale,
});

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
    const html = renderProviderForm(
      {
        url: 'https://sandbox.example/webmoney/lmi/payment_utf.asp?a=1&b=2',
        acceptCharset: 'utf-8',
        fields: [
          { name: 'LMI_PAYMENT_AMOUNT', value: '19.99' },
          { name: 'LMI_PAYMENT_DESC', value: `Оплата ${XSS}` },
          { name: 'LMI_PAYEE_PURSE', value: 'Z123456789012' },
        ],
      },
      'en',
    );
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
    expect(html).toContain('<button type="submit">Continue to payment</button>');
    const ru = renderProviderForm(
      { url: 'https://p.example', acceptCharset: '', fields: [] },
      'ru',
    );
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('<button type="submit">Перейти к оплате</button>');
    expect(html).toContain(`<script>${AUTO_SUBMIT_SCRIPT}</script>`);
    const hash = createHash('sha256').update(AUTO_SUBMIT_SCRIPT).digest('base64');
    expect(PAGE_CSP).toContain(`'sha256-${hash}'`);
    const poll = createHash('sha256').update(STATUS_POLL_SCRIPT).digest('base64');
    expect(PAGE_CSP).toContain(`'sha256-${poll}'`);
    expect(PAGE_CSP).toContain("connect-src 'self'");
  });

  it('defaults the charset to utf-8', () => {
    expect(
      renderProviderForm({ url: 'https://p.example', acceptCharset: '', fields: [] }, 'en'),
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
    const html = renderPaymentPage(payment, accessTo(payment.id));
    expect(html).toContain('$19.99');
    expect(html).toContain('Book &quot;&gt;&lt;script&gt;');
    expect(html).not.toContain('<script>');
    const methods = [
      ...html.matchAll(
        /<form class="method" method="post" action="\/pay\/pay_01abc\/start\?secret=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5" data-method="[a-z_]+">\n<input type="hidden" name="_csrf" value="csrf-token-of-this-browser">\n<input type="hidden" name="method" value="([a-z_]+)">/g,
      ),
    ].map((m) => m[1]);
    expect(methods).toEqual(['webmoney_purse', 'webmoney_keeper_mobile', 'card', 'wavepay', 'qr']);
    expect(html.match(/name="phone"/g)).toHaveLength(1);
    // The "remember this card" box belongs to the card form only.
    const cardForm = html.split('<form').find((f) => f.includes('value="card"')) ?? '';
    expect(cardForm).toContain(
      '<input type="checkbox" id="remember-card" name="remember_card" value="true">',
    );
    expect(html.match(/name="remember_card"/g)).toHaveLength(1);
  });

  it('shows only the methods the payment offers', () => {
    const html = renderPaymentPage(
      {
        ...payment,
        availableMethods: [PaymentMethod.PAYMENT_METHOD_WAVEPAY],
      },
      accessTo(payment.id),
    );
    const methods = [...html.matchAll(/name="method" value="([a-z_]+)"/g)].map((m) => m[1]);
    expect(methods).toEqual(['wavepay']);
    expect(html).not.toContain('remember_card');
  });

  it('offers no method while a payment is being checked, and follows its status', () => {
    const html = renderPaymentPage(
      {
        ...payment,
        status: PaymentStatus.PAYMENT_STATUS_REQUIRES_REVIEW,
      },
      accessTo(payment.id),
    );
    expect(html).toContain('data-status="requires_review"');
    expect(html).toContain('being checked');
    expect(html).not.toContain('/start');
    expect(html).toContain(`data-status-url="/pay/pay_01abc/status?secret=${SECRET}"`);
    expect(html).toContain(`<script>${STATUS_POLL_SCRIPT}</script>`);
  });

  it('shows the status of a terminal payment instead of the forms, with the way back', () => {
    const html = renderPaymentPage(
      { ...payment, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED },
      accessTo(payment.id),
    );
    expect(html).toContain('data-status="succeeded"');
    expect(html).not.toContain('/start');
    expect(html).toContain('href="https://shop.example/ok"');
    const failed = renderPaymentPage(
      {
        ...payment,
        status: PaymentStatus.PAYMENT_STATUS_FAILED,
        failUrl: 'javascript:x',
      },
      accessTo(payment.id),
    );
    expect(failed).toContain('data-status="failed"');
    expect(failed).not.toContain('javascript:');
  });

  it('formats amounts by the currency exponent, in the locale', () => {
    expect(formatAmount({ amountMinor: 1500n, currency: 'JPY' }, 'en')).toBe('¥1,500');
    expect(formatAmount({ amountMinor: 5n, currency: 'KWD' }, 'en')).toBe('KWD\u00a00.005');
    expect(formatAmount({ amountMinor: 5n, currency: 'ZZZ' }, 'en')).toBe('5 ZZZ');
  });
});

describe('instructions pages', () => {
  const wavepay = Payment.fromPartial({
    id: 'pay_w"1',
    amount: { amountMinor: 500_000n, currency: 'MMK' },
    status: PaymentStatus.PAYMENT_STATUS_PENDING,
    method: PaymentMethod.PAYMENT_METHOD_WAVEPAY,
    successUrl: 'https://shop.example/ok?a=1&b=2',
  });
  const wavepayValues = {
    wallet_type: 'wavepay',
    wallet_identifier: '09790000101',
    amount: '5000',
    currency: 'MMK',
    payer_input: 'key1',
    plugin_url: 'https://plugin.example/?label=pay_1&fixed_amount=5000',
    extra: XSS,
  };

  it('lists generic instruction values escaped', () => {
    const html = renderInstructionsPage({
      access: accessTo('pay_1'),
      instructions: { title: 'Pay somehow', values: { wallet: '09 123', note: XSS } },
    });
    expect(html).toContain('data-instructions="generic"');
    expect(html).toContain('<dt>wallet</dt><dd>09 123</dd>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('tells the kind by method, else by the values', () => {
    expect(instructionsKind(PaymentMethod.PAYMENT_METHOD_QR, {})).toBe('qr');
    expect(instructionsKind(undefined, { payer_input: 'key1' })).toBe('wavepay');
    expect(instructionsKind(undefined, { link: 'https://x' })).toBe('qr');
    expect(instructionsKind(PaymentMethod.PAYMENT_METHOD_CARD, { a: 'b' })).toBe('generic');
  });

  it('Wavepay: requisites, the plugin link and the key1 form, all escaped', () => {
    const html = renderInstructionsPage({
      access: accessTo(wavepay.id),
      payment: wavepay,
      instructions: { title: 'Pay with Wavepay', values: wavepayValues },
    });
    expect(html).toContain('data-instructions="wavepay"');
    expect(html).toContain('<dt>Wallet number</dt><dd>09790000101</dd>');
    expect(html).toContain('<dt>Amount</dt><dd>5000 MMK</dd>');
    expect(html).toContain(
      'id="plugin-link" href="https://plugin.example/?label=pay_1&amp;fixed_amount=5000&amp;lang=en"',
    );
    expect(html).toContain(
      `<form id="payer-input-form" class="method" method="post" action="/pay/pay_w%221/input?secret=${SECRET}">\n<input type="hidden" name="_csrf" value="${CSRF}">`,
    );
    expect(html).toMatch(/<input type="text" id="key1" name="key1" required maxlength="11"/);
    expect(html).toContain('<dt>extra</dt><dd>&quot;&gt;&lt;script&gt;');
    expect(html).not.toContain("<script>alert('x')");
    expect(html).toContain(`<script>${STATUS_POLL_SCRIPT}</script>`);
  });

  it('Wavepay: a plugin URL that is not http(s) is not linked; a notice is shown', () => {
    const html = renderInstructionsPage({
      access: accessTo('pay_1'),
      payment: wavepay,
      instructions: {
        title: '',
        values: { ...wavepayValues, plugin_url: 'javascript:alert(1)' },
      },
      notice: `Transaction not found ${XSS}`,
    });
    expect(html).not.toContain('plugin-link');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<h1>Pay with Wavepay</h1>');
    expect(html).toContain(
      'id="notice" role="alert">Transaction not found &quot;&gt;&lt;script&gt;',
    );
  });

  it('QR: the clickable link, the payload text and the waiting status', () => {
    const qr = { ...wavepay, id: 'pay_q1', method: PaymentMethod.PAYMENT_METHOD_QR };
    const link = 'https://pay.payqr.kg/#000201010212320" onclick="x';
    const html = renderInstructionsPage({
      access: accessTo('pay_q1'),
      payment: qr,
      instructions: {
        title: 'Pay by QR code',
        values: {
          link,
          payload: '000201<b>6304ABCD',
          qr_id: 'qr_01',
          amount: '1500.00',
          currency: 'KGS',
        },
      },
    });
    expect(html).toContain('data-instructions="qr"');
    const href = /<a id="qr-link" href="([^"]*)"/.exec(html)?.[1];
    expect(href).toBeDefined();
    expect(href).not.toContain('"');
    expect(html).toContain(
      '<pre id="qr-link-text">https://pay.payqr.kg/#000201010212320&quot; onclick=&quot;x</pre>',
    );
    expect(html).toContain('<pre id="qr-payload">000201&lt;b&gt;6304ABCD</pre>');
    expect(html).toContain('<dt>QR code id</dt><dd>qr_01</dd>');
    expect(html).toContain('<dt>Amount</dt><dd>1500.00 KGS</dd>');
    expect(html).toContain(`data-status-url="/pay/pay_q1/status?secret=${SECRET}"`);
    expect(html).toContain(`data-result-url="/pay/pay_q1?secret=${SECRET}"`);
    expect(html).toContain('Waiting for your bank');
    expect(html).not.toContain('payer-input-form');
  });

  it('QR: a link that is not http(s) is shown as text only', () => {
    const html = renderInstructionsPage({
      access: accessTo('pay_q1'),
      instructions: { title: '', values: { link: 'elqr:0002<x>', payload: 'p' } },
    });
    expect(html).not.toContain('<a id="qr-link"');
    expect(html).toContain('<pre id="qr-link-text">elqr:0002&lt;x&gt;</pre>');
  });

  it('payer input results: received (back to the shop), waiting, under review, form again', () => {
    const received = renderPaymentReceived(
      { ...wavepay, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED },
      accessTo(wavepay.id),
    );
    expect(received).toContain('<h1>Payment received</h1>');
    expect(received).toContain(
      'id="return-link" class="button" href="https://shop.example/ok?a=1&amp;b=2"',
    );
    expect(received).toContain(
      '<noscript><meta http-equiv="refresh" content="5;url=https://shop.example/ok?a=1&amp;b=2"></noscript>',
    );
    const noReturn = renderPaymentReceived(
      { ...wavepay, successUrl: 'javascript:x' },
      accessTo(wavepay.id),
    );
    expect(noReturn).not.toContain('javascript:');
    expect(noReturn).toContain(`href="/pay/pay_w%221?secret=${SECRET}"`);

    const waiting = renderAwaitingConfirmation(wavepay, accessTo(wavepay.id));
    expect(waiting).toContain('Waiting for confirmation');
    expect(waiting).toContain('data-waiting="created pending"');

    const review = renderUnderReview(wavepay, accessTo(wavepay.id));
    expect(review).toContain('Your payment is being checked');
    expect(review).toContain('data-waiting="pending requires_review"');

    const again = renderPayerInputPage(accessTo('pay_1'), XSS);
    expect(again).toContain('id="payer-input-form"');
    expect(again).toContain(`<input type="hidden" name="_csrf" value="${CSRF}">`);
    expect(again).toContain(`href="/pay/pay_1?secret=${SECRET}"`);
    expect(again).not.toContain("<script>alert('x')");
  });
});

describe('other pages', () => {
  it('shows the error code, status and request id escaped', () => {
    const html = renderErrorPage(
      { status: 422, code: 'PAYMENT_NOT_PAYABLE', message: XSS, details: {} },
      'req_1',
      'en',
    );
    expect(html).toContain('PAYMENT_NOT_PAYABLE');
    expect(html).toContain('HTTP 422');
    expect(html).toContain('req_1');
    expect(html).not.toContain('<script>');
  });
});

describe("the pages in the payer's language", () => {
  const payment = Payment.fromPartial({
    id: 'pay_l1',
    merchantId: 'mer_1',
    amount: { amountMinor: 150_000n, currency: 'KGS' },
    status: PaymentStatus.PAYMENT_STATUS_CREATED,
    orderId: 'order-7',
    availableMethods: [PaymentMethod.PAYMENT_METHOD_CARD, PaymentMethod.PAYMENT_METHOD_QR],
    successUrl: 'https://shop.example/ok',
    failUrl: 'https://shop.example/fail',
  });

  it('marks the page with its lang and shows the merchant, amount, order and methods translated', () => {
    const html = renderPaymentPage(payment, accessTo(payment.id, 'ky'), `Дүкөн ${XSS}`);
    expect(html).toContain('<html lang="ky">');
    expect(html).toContain(
      '<p class="muted" id="merchant-name"><span class="visually-hidden">Сатуучу: </span>Дүкөн &quot;&gt;&lt;script&gt;',
    );
    expect(html).toContain('>1\u00a0500,00\u00a0сом</h1>');
    expect(html).toContain('<dt>Буйрутма</dt><dd>order-7</dd>');
    expect(html).toContain('<h2>Төлөө ыкмасын тандаңыз</h2>');
    expect(html).toContain('>Банк картасы</button>');
    expect(html).toContain('>QR-код</button>');
    expect(html).not.toContain("<script>alert('x')");
  });

  it('sends the payer of a refunded payment back to the success URL, with the refund said', () => {
    for (const [status, text] of [
      [PaymentStatus.PAYMENT_STATUS_REFUNDED, 'Платёж оплачен и возвращён.'],
      [PaymentStatus.PAYMENT_STATUS_PARTIALLY_REFUNDED, 'Платёж оплачен; часть суммы возвращена.'],
    ] as const) {
      const html = renderPaymentPage({ ...payment, status }, accessTo(payment.id, 'ru'));
      expect(html).toContain(text);
      expect(html).toContain('https://shop.example/ok');
      expect(html).not.toContain('https://shop.example/fail');
    }
  });

  it('links every language to the payment page, the current one marked for assistive tech', () => {
    const html = renderPaymentPage(payment, accessTo(payment.id, 'my'));
    expect(html).toContain('<nav aria-label="ဘာသာစကား">');
    for (const [lang, name] of [
      ['ru', 'Русский'],
      ['en', 'English'],
      ['ky', 'Кыргызча'],
    ]) {
      expect(html).toContain(
        `<a href="/pay/pay_l1?secret=${SECRET}&amp;lang=${lang}" hreflang="${lang}" lang="${lang}" data-lang="${lang}">${name}</a>`,
      );
    }
    expect(html).toContain(`data-lang="my" aria-current="true">မြန်မာ</a>`);
  });

  it('a final page counts down back to the merchant, with a button and a no-script refresh', () => {
    const paid = renderPaymentPage(
      { ...payment, status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED },
      accessTo(payment.id, 'ru'),
    );
    expect(paid).toContain('оплачен</span>');
    expect(paid).toContain('Платёж оплачен. Спасибо!');
    expect(paid).toContain(
      '<span id="countdown" role="timer" data-href="https://shop.example/ok" data-steps="0 секунд|1 секунда|2 секунды|3 секунды|4 секунды|5 секунд">5 секунд</span>',
    );
    expect(paid).toContain(
      '<a id="return-link" class="button" href="https://shop.example/ok">Вернуться в магазин</a>',
    );
    expect(paid).toContain(
      '<noscript><meta http-equiv="refresh" content="5;url=https://shop.example/ok"></noscript>',
    );
    expect(paid).toContain(`<script>${COUNTDOWN_SCRIPT}</script>`);
    const hash = createHash('sha256').update(COUNTDOWN_SCRIPT).digest('base64');
    expect(PAGE_CSP).toContain(`'sha256-${hash}'`);

    const failed = renderPaymentPage(
      { ...payment, status: PaymentStatus.PAYMENT_STATUS_FAILED },
      accessTo(payment.id, 'en'),
    );
    expect(failed).toContain('data-href="https://shop.example/fail"');
    expect(failed).toContain('This payment failed.');
  });

  it('QR instructions show the code as an image, in the language of the page', () => {
    const html = renderInstructionsPage({
      access: accessTo('pay_q2', 'my'),
      payment: { ...payment, method: PaymentMethod.PAYMENT_METHOD_QR },
      instructions: {
        title: 'Pay by QR code',
        values: { link: 'https://pay.payqr.kg/#000201', payload: '000201' },
      },
    });
    expect(html).toContain('<html lang="my">');
    expect(html).toContain('<h1>QR ကုဒ်ဖြင့် ပေးချေရန်</h1>');
    expect(html).toMatch(/<svg id="qr-image" [^>]*role="img" aria-label="ငွေပေးချေမှု QR ကုဒ်"/);
    expect(html).toContain('role="status" aria-live="polite"');
    expect(html).not.toContain('Pay by QR code');
  });

  it("errors are explained in the payer's language by their code", () => {
    const html = renderErrorPage(
      { status: 404, code: 'PAYMENT_NOT_FOUND', message: 'payment pay_x not found', details: {} },
      'req_2',
      'ru',
    );
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Ссылка на оплату недействительна');
    expect(html).not.toContain('payment pay_x not found');
    const phone = renderErrorPage(
      { status: 400, code: 'VALIDATION_FAILED', message: 'enter', details: { field: 'phone' } },
      'req_3',
      'ky',
    );
    expect(phone).toContain('WM Keeper Mobile байланган телефон номериңизди киргизиңиз.');
    const other = renderErrorPage(
      { status: 502, code: 'SOMETHING_NEW', message: 'x', details: {} },
      'req_4',
      'my',
    );
    expect(other).toContain('တစ်ခုခု မှားယွင်းသွားပါသည်');
  });
});

describe('pluginHref', () => {
  const url = 'https://plugin.example/?label=pay_1&lang=en&fixed_amount=5000';

  it("opens Paykassma's window in Burmese or English when the page is", () => {
    expect(pluginHref(url, 'my')).toBe(
      'https://plugin.example/?label=pay_1&lang=my&fixed_amount=5000',
    );
    expect(pluginHref(url.replace('lang=en', 'lang=my'), 'en')).toBe(url);
  });

  it('keeps the configured language for the others, and drops non-http links', () => {
    expect(pluginHref(url, 'ru')).toBe(url);
    expect(pluginHref(url, 'ky')).toBe(url);
    expect(pluginHref('javascript:alert(1)', 'my')).toBeNull();
  });
});

import { waitFor } from '@tolem/testing';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  accessibilityViolations,
  launchChromium,
  normalizeSpaces,
  screenshot,
  tabTo,
} from './browser';
import { openShop, type PaymentJson, type Shop } from './shop';

/**
 * The hosted page in a real browser (Debian's Chromium driven by playwright-core): every method,
 * in every language, from the page through the provider's (sandbox) pages to the final state and
 * back to the merchant, on a phone-sized screen.
 */

type Locale = 'ru' | 'en' | 'ky' | 'my';
const LOCALES: Locale[] = ['ru', 'en', 'ky', 'my'];

/** What the payer must read, per language (written here, not taken from the gateway's code). */
const TEXT: Record<
  Locale,
  {
    choose: string;
    phone: string;
    paid: string;
    back: string;
    wavepay: string;
    wallet: string;
    txn: string;
    received: string;
    qr: string;
    qrAlt: string;
  }
> = {
  ru: {
    choose: 'Выберите способ оплаты',
    phone: 'Номер телефона',
    paid: 'Платёж оплачен. Спасибо!',
    back: 'Вернуться в магазин',
    wavepay: 'Оплата через Wavepay',
    wallet: 'Номер кошелька',
    txn: 'Номер транзакции кошелька',
    received: 'Оплата получена',
    qr: 'Оплата по QR-коду',
    qrAlt: 'QR-код платежа',
  },
  en: {
    choose: 'Choose how to pay',
    phone: 'Phone number',
    paid: 'This payment has been paid. Thank you!',
    back: 'Return to the merchant',
    wavepay: 'Pay with Wavepay',
    wallet: 'Wallet number',
    txn: 'Wallet transaction number',
    received: 'Payment received',
    qr: 'Pay by QR code',
    qrAlt: 'QR code of the payment',
  },
  ky: {
    choose: 'Төлөө ыкмасын тандаңыз',
    phone: 'Телефон номери',
    paid: 'Бул төлөм төлөндү. Рахмат!',
    back: 'Дүкөнгө кайтуу',
    wavepay: 'Wavepay аркылуу төлөө',
    wallet: 'Капчыктын номери',
    txn: 'Капчыктагы транзакциянын номери',
    received: 'Төлөм алынды',
    qr: 'QR-код менен төлөө',
    qrAlt: 'Төлөмдүн QR-коду',
  },
  my: {
    choose: 'ငွေပေးချေနည်း ရွေးချယ်ပါ',
    phone: 'ဖုန်းနံပါတ်',
    paid: 'ဤငွေပေးချေမှု ပြီးဆုံးပါပြီ။ ကျေးဇူးတင်ပါသည်!',
    back: 'ဆိုင်သို့ ပြန်သွားရန်',
    wavepay: 'Wavepay ဖြင့် ပေးချေရန်',
    wallet: 'ပိုက်ဆံအိတ် နံပါတ်',
    txn: 'ပိုက်ဆံအိတ် ငွေလွှဲအမှတ်',
    received: 'ငွေလက်ခံရရှိပြီး',
    qr: 'QR ကုဒ်ဖြင့် ပေးချေရန်',
    qrAlt: 'ငွေပေးချေမှု QR ကုဒ်',
  },
};

type Method = 'webmoney_purse' | 'webmoney_keeper_mobile' | 'card' | 'wavepay' | 'qr';

/** Each method's payment: amount in minor units and currency, and how each locale writes it. */
const AMOUNTS: Record<Method, { minor: number; currency: string; shown: Record<Locale, string> }> =
  {
    webmoney_purse: {
      minor: 1_999,
      currency: 'USD',
      shown: { ru: '19,99 $', en: '$19.99', ky: '19,99 USD', my: '၁၉.၉၉ US$' },
    },
    webmoney_keeper_mobile: {
      minor: 123_450,
      currency: 'USD',
      shown: { ru: '1 234,50 $', en: '$1,234.50', ky: '1 234,50 USD', my: '၁,၂၃၄.၅၀ US$' },
    },
    card: {
      minor: 123_456,
      currency: 'RUB',
      shown: { ru: '1 234,56 ₽', en: 'RUB 1,234.56', ky: '1 234,56 RUB', my: '၁,၂၃၄.၅၆ RUB' },
    },
    wavepay: {
      minor: 500_000,
      currency: 'MMK',
      shown: { ru: '5 000,00 MMK', en: 'MMK 5,000.00', ky: '5 000,00 MMK', my: '၅,၀၀၀.၀၀ K' },
    },
    qr: {
      minor: 150_000,
      currency: 'KGS',
      shown: { ru: '1 500,00 KGS', en: 'KGS 1,500.00', ky: '1 500,00 сом', my: '၁,၅၀၀.၀၀ KGS' },
    },
  };

const METHODS = Object.keys(AMOUNTS) as Method[];
const MERCHANT_NAME = 'Ала-Тоо & Shwe Shop';
const SUITE = 'hosted-page';
/** A phone, so the page is checked where most payers see it. */
const PHONE_VIEWPORT = { width: 390, height: 844 };

/** The browser's own language in a flow: another one than the flow's, so switching is tested. */
const browserLocaleFor = (locale: Locale): Locale =>
  LOCALES[(LOCALES.indexOf(locale) + 1) % LOCALES.length] as Locale;

// Flows are independent (own payment, own browser context): run them side by side, capped by
// Vitest's maxConcurrency (5), which two cores carry.
describe.concurrent('the hosted page in Chromium: every method in every language', () => {
  let shop: Shop;
  let browser: Browser;
  const started = Date.now();

  beforeAll(async () => {
    [shop, browser] = await Promise.all([
      openShop({
        name: MERCHANT_NAME,
        methods: METHODS,
        feeRules: [
          { method: 'card', percent_bps: 290 },
          { method: 'wavepay', percent_bps: 200 },
          { method: 'qr', percent_bps: 100 },
        ],
      }),
      launchChromium(),
    ]);
    process.stdout.write(
      `hosted page browser suite: stack and Chromium ready in ${Math.round((Date.now() - started) / 1000)}s\n`,
    );
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    process.stdout.write(
      `hosted page browser suite: ${Math.round((Date.now() - started) / 1000)}s\n`,
    );
  });

  /** The demo shop's return page, with whatever query the provider appends. */
  const merchantUrl = (path: 'success' | 'fail') =>
    new RegExp(`^${shop.merchant.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${path}`);
  const successUrl = () => merchantUrl('success');

  async function newContext(acceptLanguage: Locale): Promise<BrowserContext> {
    return browser.newContext({
      locale: acceptLanguage,
      viewport: PHONE_VIEWPORT,
      hasTouch: true,
      isMobile: true,
    });
  }

  const lang = (page: Page) => page.getAttribute('html', 'lang');
  const text = async (page: Page, selector: string) =>
    normalizeSpaces(await page.locator(selector).first().textContent());

  /**
   * Opens the payment in the browser's language, checks it, then switches to `locale` with the
   * page's language link and checks the page again: merchant, amount per locale, methods.
   */
  async function openAndSwitch(
    context: BrowserContext,
    payment: PaymentJson,
    method: Method,
    locale: Locale,
  ): Promise<Page> {
    const page = await context.newPage();
    const browserLocale = browserLocaleFor(locale);
    await page.goto(payment.payment_url);
    expect(await lang(page)).toBe(browserLocale);
    expect(await text(page, 'h2')).toBe(TEXT[browserLocale].choose);
    await page.locator(`nav a[data-lang="${locale}"]`).click();
    await page.waitForFunction((l) => document.documentElement.lang === l, locale);
    expect(await text(page, 'h2')).toBe(TEXT[locale].choose);
    expect(await text(page, '#amount')).toBe(AMOUNTS[method].shown[locale]);
    expect(await text(page, '#merchant-name')).toMatch(new RegExp(`: ${MERCHANT_NAME}$`));
    expect(await page.locator(`nav a[aria-current="true"]`).getAttribute('data-lang')).toBe(locale);
    // Nothing wider than the phone's screen.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await screenshot(page, SUITE, `${locale}-${method}-1-page`);
    if (method === 'card') expect(await accessibilityViolations(page)).toEqual([]);
    return page;
  }

  async function untilSucceeded(payment: PaymentJson): Promise<void> {
    await waitFor(
      async () => ((await shop.getPayment(payment.id)).status === 'succeeded' ? true : undefined),
      { timeoutMs: 60_000, what: `${payment.id} succeeded` },
    );
  }

  /**
   * From now on the page's trip back to the merchant is answered 204 (the browser stays where it
   * is), so a final page can be checked at leisure however slow the machine; the promise is the
   * navigation the countdown starts by itself.
   */
  async function holdReturn(page: Page): Promise<{ request: Promise<Request> }> {
    await page.route(successUrl(), (route) => route.fulfill({ status: 204 }));
    const request = page.waitForRequest(successUrl(), { timeout: 60_000 });
    // A flow that fails earlier closes its page: that rejection is not a second failure.
    request.catch(() => undefined);
    return { request };
  }

  /**
   * The final page in the kept language (no `lang` in the URL: the cookie): its text, its
   * countdown (the script runs under the CSP, in the locale's digits) that takes the browser to
   * the merchant's success URL by itself, and the button that does it at once.
   */
  async function finalPageReturnsToMerchant(
    page: Page,
    locale: Locale,
    method: Method,
    countdownReturn: { request: Promise<Request> },
  ) {
    await page.locator('#countdown').waitFor();
    expect(await lang(page)).toBe(locale);
    expect(await text(page, '#final-text')).toBe(TEXT[locale].paid);
    expect(await text(page, '#return-link')).toBe(TEXT[locale].back);
    expect(await page.locator('#return-link').getAttribute('href')).toMatch(successUrl());
    const first = await text(page, '#countdown');
    expect(first).toMatch(locale === 'my' ? /^[၀-၉]/ : /^\d/);
    await screenshot(page, SUITE, `${locale}-${method}-9-final`);
    if (method === 'qr' || method === 'wavepay') {
      expect(await accessibilityViolations(page)).toEqual([]);
    }
    const request = await countdownReturn.request;
    expect(request.isNavigationRequest()).toBe(true);
    expect(await text(page, '#countdown')).not.toBe(first);
    await page.unrouteAll();
    await page.locator('#return-link').click();
    await page.waitForURL(successUrl());
    expect(await page.locator('h1').textContent()).toContain('Thank you, payment received');
  }

  async function reopenFinal(page: Page, payment: PaymentJson, locale: Locale, method: Method) {
    await untilSucceeded(payment);
    const countdownReturn = await holdReturn(page);
    await page.goto(payment.payment_url);
    await finalPageReturnsToMerchant(page, locale, method, countdownReturn);
  }

  const flows: Record<
    Method,
    (page: Page, payment: PaymentJson, locale: Locale, i: number) => Promise<void>
  > = {
    async webmoney_purse(page, payment, locale) {
      await page.locator('form[data-method="webmoney_purse"] button').click();
      await page.locator('#pay-purse').waitFor();
      await screenshot(page, SUITE, `${locale}-webmoney_purse-2-provider`);
      await page.locator('#pay-purse button[type="submit"]').click();
      await page.locator('#return-link').click();
      await page.waitForURL(successUrl());
      await reopenFinal(page, payment, locale, 'webmoney_purse');
    },

    async webmoney_keeper_mobile(page, payment, locale, i) {
      const phone = `+996 555 12${i} 45${i}`;
      await page.getByLabel(TEXT[locale].phone, { exact: true }).fill(phone);
      await page.locator('form[data-method="webmoney_keeper_mobile"] button').click();
      await page.locator('#keeper-mobile-start').waitFor();
      expect(await page.locator('#phone').inputValue()).toBe(phone.replace(/\D/g, ''));
      await page.locator('#keeper-mobile-start button[type="submit"]').click();
      const code = normalizeSpaces(await page.locator('#sms-code').textContent());
      expect(code).toMatch(/^\d{4}$/);
      await page.locator('#code').fill(code);
      await screenshot(page, SUITE, `${locale}-webmoney_keeper_mobile-2-sms`);
      await page.locator('#keeper-mobile-confirm button[type="submit"]').click();
      await page.locator('#return-link').click();
      await page.waitForURL(successUrl());
      await reopenFinal(page, payment, locale, 'webmoney_keeper_mobile');
    },

    async card(page, payment, locale) {
      await page.locator('form[data-method="card"] button').click();
      await page.locator('#card-form').waitFor();
      await page.locator('#pan').fill('4111 1111 1111 1111');
      await page.locator('#expiry').fill('12/30');
      await page.locator('#cvv').fill('123');
      await screenshot(page, SUITE, `${locale}-card-2-provider`);
      await page.locator('#card-form button[type="submit"]').click();
      // IntellectMoney sends the payer straight back to the shop once paid.
      await page.waitForURL(successUrl());
      await reopenFinal(page, payment, locale, 'card');
    },

    async wavepay(page, payment, locale) {
      await page.locator('form[data-method="wavepay"] button').click();
      await page.locator('#payer-input-form').waitFor();
      expect(await lang(page)).toBe(locale);
      expect(await text(page, 'h1')).toBe(TEXT[locale].wavepay);
      // Paykassma's own window, linked in the payer's language where it has it (en, my).
      const plugin = new URL((await page.locator('#plugin-link').getAttribute('href')) ?? '');
      expect(plugin.searchParams.get('lang')).toBe(locale === 'my' ? 'my' : 'en');
      const wallet = await walletNumber(page, locale);
      const key1 = await transferInWallet(payment.amount / 100, wallet);
      await page.getByLabel(TEXT[locale].txn, { exact: true }).fill(key1);
      await screenshot(page, SUITE, `${locale}-wavepay-2-instructions`);
      expect(await accessibilityViolations(page)).toEqual([]);
      const countdownReturn = await holdReturn(page);
      await page
        .getByRole('button', { name: await text(page, '#payer-input-form button') })
        .click();
      await page.locator('#countdown').waitFor();
      // The answer to the number ("received"), or the payment page, if the instructions page's
      // status poll saw the payment succeed first: both are final pages.
      expect([TEXT[locale].received, AMOUNTS.wavepay.shown[locale]]).toContain(
        await text(page, 'h1'),
      );
      await finalPageReturnsToMerchant(page, locale, 'wavepay', countdownReturn);
    },

    async qr(page, payment, locale) {
      await page.locator('form[data-method="qr"] button').click();
      await page.locator('#qr-image').waitFor();
      expect(await text(page, 'h1')).toBe(TEXT[locale].qr);
      // The code is an image a phone can scan: an SVG with its label, large enough on screen.
      const image = page.getByRole('img', { name: TEXT[locale].qrAlt });
      const box = await image.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThanOrEqual(150);
      expect(box?.width).toBe(box?.height);
      await screenshot(page, SUITE, `${locale}-qr-2-code`);
      expect(await accessibilityViolations(page)).toEqual([]);
      const link = normalizeSpaces(await page.locator('#qr-link-text').textContent());
      const countdownReturn = await holdReturn(page);
      const paid = await fetch(`${shop.stack.sandboxUrl}/_sandbox/qrbank/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ link }),
      });
      expect(paid.status).toBe(200);
      // The page follows the bank's confirmation by itself to the final page.
      await finalPageReturnsToMerchant(page, locale, 'qr', countdownReturn);
    },
  };

  async function walletNumber(page: Page, locale: Locale): Promise<string> {
    const wallet = await page.evaluate((label) => {
      const dt = [...document.querySelectorAll('dt')].find((d) => d.textContent === label);
      return dt?.nextElementSibling?.textContent ?? '';
    }, TEXT[locale].wallet);
    expect(wallet).toMatch(/^\d{9,11}$/);
    return wallet;
  }

  /** The payer's transfer in the sandbox's Wavepay wallet; the app shows its number (key1). */
  async function transferInWallet(kyat: number, wallet: string): Promise<string> {
    const transfer = await fetch(`${shop.stack.sandboxUrl}/_sandbox/paykassma/wallet/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: kyat, to: wallet }),
    });
    expect(transfer.status).toBe(200);
    return ((await transfer.json()) as { key1: string }).key1;
  }

  for (const method of METHODS) {
    describe(method, () => {
      LOCALES.forEach((locale, i) => {
        it(`${locale}: pays, reads every step in ${locale}, returns to the merchant`, async () => {
          const amount = AMOUNTS[method];
          const payment = await shop.createPayment(
            amount.minor,
            amount.currency,
            `order-${method}-${locale}`,
          );
          const context = await newContext(browserLocaleFor(locale));
          try {
            const page = await openAndSwitch(context, payment, method, locale);
            await flows[method](page, payment, locale, i);
          } finally {
            await context.close();
          }
        });
      });
    });
  }

  it('a canceled payment says so in the kept language and counts down to the fail URL', async () => {
    const payment = await shop.createPayment(150_000, 'KGS', 'order-canceled');
    const canceled = await fetch(`${shop.stack.gatewayUrl}/v1/payments/${payment.id}/cancel`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${shop.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `cancel-${payment.id}`,
      },
      body: '{}',
    });
    expect(canceled.status).toBe(200);
    const context = await newContext('ky');
    try {
      const page = await context.newPage();
      await page.goto(payment.payment_url);
      await page.locator('#countdown').waitFor();
      expect(await lang(page)).toBe('ky');
      expect(await text(page, '#final-text')).toBe('Төлөм жокко чыгарылды.');
      expect(await text(page, '[data-status]')).toBe('жокко чыгарылды');
      expect(await page.locator('#return-link').getAttribute('href')).toMatch(merchantUrl('fail'));
      await screenshot(page, SUITE, 'ky-canceled-final');
      await page.waitForURL(merchantUrl('fail'), { timeout: 30_000 });
      expect(await page.locator('h1').textContent()).toContain('Payment failed');
    } finally {
      await context.close();
    }
  });

  it('is completed with the keyboard alone, with a visible focus, language switch included', async () => {
    const payment = await shop.createPayment(503_000, 'MMK', 'order-keyboard');
    const context = await newContext('en');
    try {
      const page = await context.newPage();
      await page.goto(payment.payment_url);
      await tabTo(page, 'nav a[data-lang="ky"]');
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      expect(outline).toBe('solid');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.documentElement.lang === 'ky');
      await tabTo(page, 'form[data-method="wavepay"] button');
      await page.keyboard.press('Enter');
      await page.locator('#payer-input-form').waitFor();
      expect(await lang(page)).toBe('ky');
      const key1 = await transferInWallet(5_030, await walletNumber(page, 'ky'));
      const countdownReturn = await holdReturn(page);
      await tabTo(page, '#key1');
      await page.keyboard.type(key1);
      await page.keyboard.press('Enter');
      await page.locator('#countdown').waitFor();
      expect([TEXT.ky.received, AMOUNTS.wavepay.shown.ky.replace('5 000', '5 030')]).toContain(
        await text(page, 'h1'),
      );
      await tabTo(page, '#return-link');
      await screenshot(page, SUITE, 'ky-keyboard-final');
      await countdownReturn.request;
      await page.unrouteAll();
      await page.keyboard.press('Enter');
      await page.waitForURL(successUrl());
    } finally {
      await context.close();
    }
  });
});

import { type CurrencyCode, exponentOf, isCurrencyCode, money, toMajorString } from '@tolem/money';

import type { MethodName, StatusName } from '../mappers/enums.mapper';
import { en } from './messages/en';
import { ky } from './messages/ky';
import { my } from './messages/my';
import { ru } from './messages/ru';

/**
 * The payer's languages: Russian and Kyrgyz (RUB, KZT and KGS payers), English, and Burmese
 * (Wavepay's payers pay in kyat; Paykassma's own window offers en and my).
 */
export const LOCALES = ['ru', 'en', 'ky', 'my'] as const;
export type Locale = (typeof LOCALES)[number];

/** Without a usable Accept-Language or choice, pages are in English. */
export const DEFAULT_LOCALE: Locale = 'en';

/** The query parameter of the language links, and the cookie that keeps the choice. */
export const LANG_PARAM = 'lang';
export const LANG_COOKIE = 'tolem_lang';

/** Error codes the payer pages explain in the payer's language; others get the generic text. */
export type TranslatedErrorCode =
  | 'PAYMENT_NOT_FOUND'
  | 'PAYMENT_NOT_PAYABLE'
  | 'PAYMENT_ALREADY_FINAL'
  | 'PAYMENT_METHOD_LOCKED'
  | 'PAYMENT_METHOD_NOT_ENABLED'
  | 'PAYMENT_METHOD_UNAVAILABLE'
  | 'PAYMENT_DECLINED'
  | 'PROVIDER_UNAVAILABLE'
  | 'CSRF_TOKEN_INVALID'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE';

/** Statuses a payer can see; `unknown` never reaches a page but keeps the table total. */
export type ShownStatus = StatusName;

/**
 * One catalogue per locale. Every locale is typed `Messages`, so a key missing in one of them
 * is a compile error; functions take what the sentence needs (already formatted for the locale).
 */
export interface Messages {
  /** The language's own name, for the switcher. */
  languageName: string;
  languageSwitch: string;
  brand: string;
  payTitle: (amount: string) => string;
  merchantLabel: string;
  orderLabel: string;
  amountLabel: string;
  descriptionLabel: string;
  chooseMethod: string;
  noMethods: string;
  attemptInProgress: string;
  methods: Record<MethodName, { label: string; hint: string }>;
  phoneLabel: string;
  phoneHint: string;
  rememberCard: string;
  status: Record<ShownStatus, string>;
  finalText: {
    succeeded: string;
    failed: string;
    expired: string;
    canceled: string;
    partially_refunded: string;
    refunded: string;
  };
  returnToMerchant: string;
  /** Followed by the countdown, e.g. "5 seconds" (formatted by Intl for the locale). */
  returningIn: string;
  backToPayment: string;
  paymentDetails: string;
  checkStatus: string;
  reviewText: string;
  doNotPayAgain: string;
  updatesItself: string;
  provider: { title: string; redirecting: string; continue: string };
  wavepay: {
    title: string;
    stepSend: string;
    stepNumber: string;
    walletNumber: string;
    wallet: string;
    pluginLink: string;
    txnLabel: string;
    txnTitle: string;
    confirm: string;
    movesOn: string;
    invalidTxn: (max: string) => string;
    notAccepted: string;
    confirming: string;
  };
  qr: {
    title: string;
    intro: string;
    imageAlt: string;
    qrId: string;
    openLink: string;
    linkLabel: string;
    codeText: string;
    waiting: string;
  };
  /** The printable cash-desk sticker of a QR code (GET /v1/qr_codes/:id/sticker). */
  sticker: {
    /** The call to action above the code. */
    scan: string;
    /** Shown instead of an amount on a static code: the payer enters it. */
    anyAmount: string;
    anyAmountHint: string;
    /** Before a static code's label (the cash desk or terminal it stands at). */
    placeLabel: string;
  };
  instructionsTitle: string;
  receivedTitle: string;
  awaitingTitle: string;
  reviewTitle: string;
  error: {
    title4xx: string;
    title5xx: string;
    generic4xx: string;
    generic5xx: string;
    enterPhone: string;
    chooseMethod: string;
    codeLabel: string;
    requestLabel: string;
    codes: Record<TranslatedErrorCode, string>;
  };
}

export const CATALOGUES: Readonly<Record<Locale, Messages>> = { ru, en, ky, my };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function messagesFor(locale: Locale): Messages {
  return CATALOGUES[locale];
}

/**
 * The best of our locales for an Accept-Language header (RFC 9110 §12.5.4): by q, then order;
 * `ru-RU` matches `ru`; `*` and q=0 match nothing here, so they fall through to the default.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find(Boolean);
      // q is a 0..1 weight with three decimals: compared as an integer in thousandths.
      const [whole = '1', frac = ''] = (q ?? '1').split('.');
      const weight = Number.parseInt(whole, 10) * 1000 + Number.parseInt(frac.padEnd(3, '0'), 10);
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', weight, index };
    })
    .filter((r) => r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranges.map((r) => r.primary).find(isLocale);
}

/** The page's language: the one just chosen (link), else the kept one (cookie), else the browser's. */
export function negotiateLocale(input: {
  query: unknown;
  cookie: unknown;
  acceptLanguage: string | undefined;
}): Locale {
  if (isLocale(input.query)) return input.query;
  if (isLocale(input.cookie)) return input.cookie;
  return localeFromAcceptLanguage(input.acceptLanguage) ?? DEFAULT_LOCALE;
}

export interface AmountLike {
  amountMinor: bigint;
  currency: string;
}

/**
 * An amount for people, in the locale's way: "RUB 1,234.50", "1 234,50 ₽", "၁,၂၃၄.၅၀ K".
 * The decimal string comes from integer minor units (libs/money); Intl.NumberFormat formats a
 * string exactly (no float), with the currency's own number of decimals.
 */
export function formatMoney(amount: AmountLike | undefined, locale: Locale): string {
  if (!amount) return '';
  if (!isCurrencyCode(amount.currency)) {
    return `${plainFormat(locale).format(amount.amountMinor)} ${amount.currency}`;
  }
  return currencyFormat(
    locale,
    amount.currency,
  )(toMajorString(money(amount.amountMinor, amount.currency)));
}

/*
 * Building an Intl.NumberFormat loads and parses locale data, which made formatMoney the gateway's
 * hottest function of a payment in bench:e2e; a formatter is immutable, so one per locale (and
 * currency, a bounded ISO 4217 set) serves every page.
 */
const plainFormats = new Map<Locale, Intl.NumberFormat>();
const currencyFormats = new Map<string, FormatDecimal>();
const secondsFormats = new Map<Locale, Intl.NumberFormat>();

function plainFormat(locale: Locale): Intl.NumberFormat {
  let format = plainFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    plainFormats.set(locale, format);
  }
  return format;
}

function currencyFormat(locale: Locale, currency: CurrencyCode): FormatDecimal {
  const key = `${locale} ${currency}`;
  let format = currencyFormats.get(key);
  if (!format) {
    const digits = exponentOf(currency);
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format as unknown as FormatDecimal;
    currencyFormats.set(key, format);
  }
  return format;
}

/**
 * Intl.NumberFormat's format as ES2023 types it: a decimal string is formatted exactly (Node 20
 * implements it; our lib setting is ES2022, whose types only know number and bigint).
 */
type FormatDecimal = (value: string) => string;

/** "5 seconds" in the locale's words and digits (plural forms by Intl). */
export function formatSeconds(seconds: number, locale: Locale): string {
  let format = secondsFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'long' });
    secondsFormats.set(locale, format);
  }
  return format.format(seconds);
}

/** A plain number in the locale's digits (Burmese uses its own). */
export function formatNumber(value: number, locale: Locale): string {
  return plainFormat(locale).format(value);
}

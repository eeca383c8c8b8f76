import { isVatRate, VAT_RATES, type VatRate } from '@tolem/catalog';
import { isCurrencyCode } from '@tolem/money';
import { isLoopbackHost } from '@tolem/runtime';

import type { ApiKeyMode } from './api-key';
import { checkoutErrors } from './errors';
import type { Canonical } from './fingerprint';
import type { PaymentMethod } from './payment';
import { checkUrl } from './payment-request';

export { isVatRate, VAT_RATES, type VatRate };

/**
 * What onboarding hands to peers that own the fact: the ledger's fee plan and negative-balance
 * flag, the notifier's endpoint. Each is a persisted step, delivered at once and by the
 * onboarding sweeper until the peer took it.
 */
export const ONBOARDING_STEPS = [
  'ledger_fee_plan',
  'ledger_settings',
  'notifier_endpoint',
] as const;
export type OnboardingStepName = (typeof ONBOARDING_STEPS)[number];

/** A fee rule for the ledger (it owns fees); checkout only forwards it. */
export interface FeeRule {
  method: PaymentMethod;
  /** 0..10000 basis points of the gross. */
  percentBps: number;
  /** Fixed part per currency, integer minor units (currencies checked by validateFeeRules). */
  fixed: { amountMinor: bigint; currency: string }[];
}

export type OnboardingStep =
  | { step: 'ledger_fee_plan'; rules: FeeRule[] }
  | { step: 'ledger_settings'; allowNegativeBalance: boolean }
  /** The URL and signing secret are read from the merchant when delivered (always the latest). */
  | { step: 'notifier_endpoint' };

export interface Merchant {
  id: string;
  name: string;
  enabledMethods: PaymentMethod[];
  /** WebMoney MegaStock shop id (LMI_SHOP_ID) Tolem passes on as the aggregator. */
  webmoneyShopId: string;
  defaultSuccessUrl: string;
  defaultFailUrl: string;
  vatRate: VatRate;
  /** Where the notifier POSTs results; empty: no endpoint. */
  notificationUrl: string;
  createdAt: Date;
  updatedAt: Date;
  /** Onboarding steps a peer has not taken yet; empty when onboarding is complete. */
  pendingSteps: OnboardingStepName[];
}

export interface CreateMerchantInput {
  /** Optional: without a key every call creates a new merchant. */
  idempotencyKey: string;
  name: string;
  enabledMethods: PaymentMethod[];
  webmoneyShopId: string;
  defaultSuccessUrl: string;
  defaultFailUrl: string;
  vatRate: string;
  notificationUrl: string;
  allowNegativeBalance: boolean;
  feeRules: FeeRule[];
  apiKeyMode: ApiKeyMode;
}

/** A partial update: only the fields that are set change. */
export interface UpdateMerchantInput {
  merchantId: string;
  name?: string;
  enabledMethods?: PaymentMethod[];
  webmoneyShopId?: string;
  defaultSuccessUrl?: string;
  defaultFailUrl?: string;
  vatRate?: string;
  notificationUrl?: string;
  allowNegativeBalance?: boolean;
  feeRules?: FeeRule[];
}

/** The merchant-row part of an update, validated. */
export type MerchantPatch = Partial<
  Pick<
    Merchant,
    | 'name'
    | 'enabledMethods'
    | 'webmoneyShopId'
    | 'defaultSuccessUrl'
    | 'defaultFailUrl'
    | 'vatRate'
    | 'notificationUrl'
  >
>;

function invalid(field: string, message: string): never {
  throw checkoutErrors.create('MERCHANT_INVALID_REQUEST', message, { details: { field } });
}

/**
 * Where the merchant's notifications go (notifier's default endpoint, which gets live events): an
 * http(s) URL as checkUrl says, and https unless it is loopback (which never leaves the machine).
 * Notifier refuses the same, but only when the onboarding step reaches it, later and retried:
 * here the merchant is told at once.
 */
function checkNotificationUrl(value: string): void {
  checkUrl(value, 'notification_url', invalid);
  if (value !== '' && value.startsWith('http:') && !isLoopbackHost(new URL(value).hostname)) {
    invalid('notification_url', 'notification_url must be https: it receives live payments');
  }
}

function checkName(value: string): void {
  const name = value.trim();
  if (name.length === 0) invalid('name', 'name is required');
  if (name.length > 200) invalid('name', 'name is longer than 200 characters');
}

function checkMethods(methods: PaymentMethod[]): void {
  if (methods.length === 0) invalid('enabled_methods', 'at least one method must be enabled');
  if (new Set(methods).size !== methods.length) {
    invalid('enabled_methods', 'enabled_methods has duplicates');
  }
}

function checkShopId(value: string): void {
  if (value.length > 64) invalid('webmoney_shop_id', 'webmoney_shop_id is longer than 64');
}

function checkVat(value: string): asserts value is VatRate {
  if (!isVatRate(value)) invalid('vat_rate', `vat_rate must be one of ${VAT_RATES.join(', ')}`);
}

/** The ledger would refuse these; refusing them here means nothing is written for them. */
export function validateFeeRules(rules: FeeRule[]): void {
  const methods = new Set<PaymentMethod>();
  rules.forEach((rule, i) => {
    const at = `fee_rules[${i}]`;
    if (methods.has(rule.method)) invalid(`${at}.method`, `${at}.method repeats ${rule.method}`);
    methods.add(rule.method);
    if (!Number.isInteger(rule.percentBps) || rule.percentBps < 0 || rule.percentBps > 10_000) {
      invalid(`${at}.percent_bps`, `${at}.percent_bps must be 0..10000`);
    }
    const currencies = new Set<string>();
    rule.fixed.forEach((f, j) => {
      const field = `${at}.fixed[${j}]`;
      if (!isCurrencyCode(f.currency))
        invalid(`${field}.currency`, `${field} has an unknown currency`);
      if (currencies.has(f.currency))
        invalid(`${field}.currency`, `${field} repeats ${f.currency}`);
      currencies.add(f.currency);
      if (f.amountMinor < 0n) invalid(`${field}.amount`, `${field} must not be negative`);
    });
  });
}

/** Validates a CreateMerchant request; the first problem is thrown with details.field naming it. */
export function validateMerchantRequest(input: CreateMerchantInput): void {
  if (input.idempotencyKey.length > 255)
    invalid('idempotency_key', 'idempotency_key is longer than 255');
  checkName(input.name);
  checkMethods(input.enabledMethods);
  checkShopId(input.webmoneyShopId);
  checkUrl(input.defaultSuccessUrl, 'default_success_url', invalid);
  checkUrl(input.defaultFailUrl, 'default_fail_url', invalid);
  checkVat(input.vatRate);
  checkNotificationUrl(input.notificationUrl);
  validateFeeRules(input.feeRules);
}

/** Validates an update and splits it into the merchant row's patch and the peers' steps. */
export function validateMerchantUpdate(input: UpdateMerchantInput): {
  patch: MerchantPatch;
  steps: OnboardingStep[];
} {
  const patch: MerchantPatch = {};
  const steps: OnboardingStep[] = [];
  if (input.name !== undefined) {
    checkName(input.name);
    patch.name = input.name;
  }
  if (input.enabledMethods !== undefined) {
    checkMethods(input.enabledMethods);
    patch.enabledMethods = [...input.enabledMethods];
  }
  if (input.webmoneyShopId !== undefined) {
    checkShopId(input.webmoneyShopId);
    patch.webmoneyShopId = input.webmoneyShopId;
  }
  if (input.defaultSuccessUrl !== undefined) {
    checkUrl(input.defaultSuccessUrl, 'default_success_url', invalid);
    patch.defaultSuccessUrl = input.defaultSuccessUrl;
  }
  if (input.defaultFailUrl !== undefined) {
    checkUrl(input.defaultFailUrl, 'default_fail_url', invalid);
    patch.defaultFailUrl = input.defaultFailUrl;
  }
  if (input.vatRate !== undefined) {
    checkVat(input.vatRate);
    patch.vatRate = input.vatRate;
  }
  if (input.notificationUrl !== undefined) {
    checkNotificationUrl(input.notificationUrl);
    patch.notificationUrl = input.notificationUrl;
    if (input.notificationUrl !== '') steps.push({ step: 'notifier_endpoint' });
  }
  if (input.feeRules !== undefined) {
    validateFeeRules(input.feeRules);
    steps.push({ step: 'ledger_fee_plan', rules: input.feeRules });
  }
  if (input.allowNegativeBalance !== undefined) {
    steps.push({ step: 'ledger_settings', allowNegativeBalance: input.allowNegativeBalance });
  }
  return { patch, steps };
}

/** The steps a new merchant's onboarding hands to its peers. */
export function onboardingStepsOf(input: CreateMerchantInput): OnboardingStep[] {
  const steps: OnboardingStep[] = [
    { step: 'ledger_fee_plan', rules: input.feeRules },
    { step: 'ledger_settings', allowNegativeBalance: input.allowNegativeBalance },
  ];
  if (input.notificationUrl !== '') steps.push({ step: 'notifier_endpoint' });
  return steps;
}

/** Field order used to name the first difference when an idempotency key is reused. */
export const MERCHANT_REQUEST_FIELDS = [
  'name',
  'enabled_methods',
  'webmoney_shop_id',
  'default_success_url',
  'default_fail_url',
  'vat_rate',
  'notification_url',
] as const;

type MerchantFields = Pick<
  CreateMerchantInput,
  | 'name'
  | 'enabledMethods'
  | 'webmoneyShopId'
  | 'defaultSuccessUrl'
  | 'defaultFailUrl'
  | 'vatRate'
  | 'notificationUrl'
>;

/** The merchant-row part of the request as fingerprinted; a stored merchant maps to the same shape. */
export function canonicalMerchantRequest(input: MerchantFields): Record<string, Canonical> {
  return {
    name: input.name,
    enabled_methods: input.enabledMethods,
    webmoney_shop_id: input.webmoneyShopId,
    default_success_url: input.defaultSuccessUrl,
    default_fail_url: input.defaultFailUrl,
    vat_rate: input.vatRate,
    notification_url: input.notificationUrl,
  };
}

/** The peers' part of the request (they own it), fingerprinted with the rest. */
export function canonicalPeerRequest(input: CreateMerchantInput): Record<string, Canonical> {
  return {
    allow_negative_balance: input.allowNegativeBalance,
    api_key_mode: input.apiKeyMode,
    fee_rules: input.feeRules.map((r) => ({
      method: r.method,
      percent_bps: r.percentBps,
      fixed: r.fixed.map((f) => ({ amount_minor: f.amountMinor, currency: f.currency })),
    })),
  };
}

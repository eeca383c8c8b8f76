import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import {
  type ApiKey,
  ApiKeyMode,
  type Merchant,
  type MerchantFeeRule,
  MerchantSecretKind,
  type MerchantServiceClient,
} from '@tolem/contracts/checkout';
import { paymentMethodFromName, paymentMethodName } from '@tolem/contracts/common';
import type { PromiseClient } from '@tolem/grpc-kit';

import { type ExitCode, limitOption, runOperatorCommand, UsageError } from './operator-tool';

export const USAGE = `Usage: npm run merchants -- <command>

  create --name NAME --methods M[,M…] [--result-url URL] [--success-url URL] [--fail-url URL]
         [--vat-rate RATE] [--allow-negative-balance true|false]
         [--fee METHOD:BPS[:AMOUNT:CURRENCY…]]… [--key-mode test|live] [--idempotency-key KEY]
      Onboards a merchant; prints its first API key and webhook secret once.
      RATE (receipts' VAT): none, vat0, vat5, vat7, vat10, vat20, vat22, vat5_105, vat7_107,
      vat10_110, vat20_120, vat22_122 (YooKassa's vat_code names) or vat12 (Kyrgyzstan).
  get <merchant_id>
  list [--limit 1..200] [--cursor TOKEN]
  update <merchant_id> [--name NAME] [--methods M[,M…]] [--result-url URL] [--success-url URL]
         [--fail-url URL] [--vat-rate RATE] [--allow-negative-balance true|false]
         [--fee METHOD:BPS[:AMOUNT:CURRENCY…]]… [--clear-fees]
  keys list <merchant_id> [--limit 1..100] [--starting-after KEY_ID]   (newest first)
  keys create <merchant_id> [--mode test|live] [--key-name NAME] [--idempotency-key KEY]
  keys revoke <merchant_id> <key_id>
  keys roll <merchant_id> <key_id> [--expires-in SECONDS]   (old key works 24 h by default)
  secrets rotate <merchant_id> form|webhook [--overlap SECONDS] [--idempotency-key KEY]
      (old secret valid 24 h by default; run again with the printed key after a failure)

Methods: webmoney_purse, webmoney_keeper_mobile, card, wavepay, qr. A fee is a percent in basis
points plus fixed parts in minor units, e.g. --fee card:250:1000:KGS (2.5 % + 10.00 KGS).
Talks to checkout's MerchantService at CHECKOUT_ADDR (default 127.0.0.1:50051).
Exit codes: 0 done, 1 refused by checkout (or checkout unreachable), 2 usage error.`;

export interface MerchantsCliDeps {
  merchants: Pick<
    PromiseClient<MerchantServiceClient>,
    | 'createMerchant'
    | 'getMerchant'
    | 'listMerchants'
    | 'updateMerchant'
    | 'createApiKey'
    | 'listApiKeys'
    | 'revokeApiKey'
    | 'rollApiKey'
    | 'rotateSecret'
  >;
  out: (line: string) => void;
  err: (line: string) => void;
  checkoutAddr: string;
}

const OPTIONS = {
  name: { type: 'string' },
  methods: { type: 'string' },
  'result-url': { type: 'string' },
  'success-url': { type: 'string' },
  'fail-url': { type: 'string' },
  'vat-rate': { type: 'string' },
  'allow-negative-balance': { type: 'string' },
  fee: { type: 'string', multiple: true },
  'clear-fees': { type: 'boolean' },
  'key-mode': { type: 'string' },
  'idempotency-key': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'starting-after': { type: 'string' },
  mode: { type: 'string' },
  'key-name': { type: 'string' },
  'expires-in': { type: 'string' },
  overlap: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
type Option = keyof typeof OPTIONS;

const SETTINGS: Option[] = [
  'name',
  'methods',
  'result-url',
  'success-url',
  'fail-url',
  'vat-rate',
  'allow-negative-balance',
  'fee',
];

const ALLOWED: Record<string, Option[]> = {
  create: [...SETTINGS, 'key-mode', 'idempotency-key'],
  get: [],
  list: ['limit', 'cursor'],
  update: [...SETTINGS, 'clear-fees'],
  'keys list': ['limit', 'starting-after'],
  'keys create': ['mode', 'key-name', 'idempotency-key'],
  'keys revoke': [],
  'keys roll': ['expires-in'],
  'secrets rotate': ['overlap', 'idempotency-key'],
};

function methodsOf(text: string): number[] {
  return text.split(',').map((name) => {
    const m = paymentMethodFromName(name.trim());
    if (m === undefined) throw new UsageError(`unknown method ${name}`);
    return m;
  });
}

/** `card:250:1000:KGS:30:USD` → 250 bps of card payments plus 1000 minor KGS or 30 minor USD. */
export function feeRuleOf(text: string): MerchantFeeRule {
  const [name = '', bps = '', ...fixed] = text.split(':');
  const method = paymentMethodFromName(name);
  if (method === undefined) throw new UsageError(`--fee ${text}: unknown method ${name}`);
  if (!/^\d{1,5}$/.test(bps)) throw new UsageError(`--fee ${text}: basis points must be 0..10000`);
  if (fixed.length % 2 !== 0)
    throw new UsageError(`--fee ${text}: fixed parts are AMOUNT:CURRENCY`);
  const parts = [];
  for (let i = 0; i < fixed.length; i += 2) {
    const amount = fixed[i] ?? '';
    const currency = fixed[i + 1] ?? '';
    if (!/^\d{1,18}$/.test(amount))
      throw new UsageError(`--fee ${text}: ${amount} is not minor units`);
    parts.push({ amountMinor: BigInt(amount), currency });
  }
  return { method, percentBps: Number(bps), fixed: parts };
}

function boolOf(text: string, flag: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${flag} must be true or false`);
}

function modeOf(text: string | undefined, flag: string): ApiKeyMode {
  if (text === undefined || text === 'test') return ApiKeyMode.API_KEY_MODE_TEST;
  if (text === 'live') return ApiKeyMode.API_KEY_MODE_LIVE;
  throw new UsageError(`${flag} must be test or live`);
}

const when = (d: Date | undefined) => (d ? d.toISOString() : '-');

export function merchantLines(m: Merchant | undefined): string[] {
  if (!m) throw new Error('checkout answered without a merchant');
  const pending = m.onboarding?.pendingSteps ?? [];
  return [
    `Merchant ${m.id}`,
    `  name:            ${m.name}`,
    `  methods:         ${m.enabledMethods.map((x) => paymentMethodName(x) ?? String(x)).join(', ')}`,
    `  vat rate:        ${m.vatRate || 'none'}`,
    `  result url:      ${m.notificationUrl || '-'}`,
    `  success url:     ${m.defaultSuccessUrl || '-'}`,
    `  fail url:        ${m.defaultFailUrl || '-'}`,
    `  onboarding:      ${pending.length === 0 ? 'complete' : `pending (${pending.join(', ')}; the sweeper retries)`}`,
    `  created:         ${when(m.createdAt)}`,
  ];
}

function keyLine(k: ApiKey | undefined): string {
  if (!k) throw new Error('checkout answered without a key');
  const mode = k.mode === ApiKeyMode.API_KEY_MODE_LIVE ? 'live' : 'test';
  const state = k.revokedAt
    ? `revoked ${when(k.revokedAt)}`
    : k.expiresAt
      ? `expires ${when(k.expiresAt)}`
      : 'active';
  return `${k.id}  ${mode}  ${k.keyPrefix}…  ${state}${k.name ? `  "${k.name}"` : ''}`;
}

function oneId(positionals: string[], from: number, what: string): string {
  const id = positionals[from];
  if (!id) throw new UsageError(`${what} is required`);
  return id;
}

async function run(command: string, parsed: Parsed, deps: MerchantsCliDeps): Promise<void> {
  const { values, positionals } = parsed;
  const extra = Object.keys(values).filter(
    (k) => k !== 'help' && !(ALLOWED[command] ?? []).includes(k as Option),
  );
  if (extra[0]) throw new UsageError(`${command} does not take --${extra[0]}`);
  const argCount = command.startsWith('keys ') || command.startsWith('secrets ') ? 2 : 1;
  const expected: Record<string, number> = {
    create: 0,
    list: 0,
    get: 1,
    update: 1,
    'keys list': 1,
    'keys create': 1,
    'keys revoke': 2,
    'keys roll': 2,
    'secrets rotate': 2,
  };
  const args = positionals.slice(argCount);
  if (args.length > (expected[command] ?? 0))
    throw new UsageError(`unexpected argument ${args.at(-1)}`);
  const fees = (values.fee ?? []).map(feeRuleOf);

  switch (command) {
    case 'create': {
      const idempotencyKey = values['idempotency-key'] ?? `cli-${randomUUID()}`;
      const res = await deps.merchants.createMerchant({
        idempotencyKey,
        name: values.name ?? '',
        enabledMethods: methodsOf(values.methods ?? ''),
        webmoneyShopId: '',
        defaultSuccessUrl: values['success-url'] ?? '',
        defaultFailUrl: values['fail-url'] ?? '',
        notificationUrl: values['result-url'] ?? '',
        vatRate: values['vat-rate'] ?? 'none',
        allowNegativeBalance:
          values['allow-negative-balance'] === undefined
            ? false
            : boolOf(values['allow-negative-balance'], '--allow-negative-balance'),
        feePlan: { rules: fees },
        apiKeyMode: modeOf(values['key-mode'], '--key-mode'),
      });
      for (const line of merchantLines(res.merchant)) deps.out(line);
      if (res.replayed) {
        deps.out(
          `Already created with --idempotency-key ${idempotencyKey}; secrets are not shown again.`,
        );
        return;
      }
      deps.out(`Idempotency key: ${idempotencyKey} (run again with it to be safe after a failure)`);
      deps.out('Shown once, store them now:');
      deps.out(`  API key:              ${res.apiKey}`);
      if (res.webhookSigningSecret) deps.out(`  webhook signing key:  ${res.webhookSigningSecret}`);
      if (res.formSecret) deps.out(`  form signing key:     ${res.formSecret}`);
      return;
    }
    case 'get': {
      const res = await deps.merchants.getMerchant({
        merchantId: oneId(positionals, 1, 'a merchant id'),
      });
      for (const line of merchantLines(res.merchant)) deps.out(line);
      return;
    }
    case 'list': {
      const res = await deps.merchants.listMerchants({
        pageSize: limitOption(values.limit, 50, 200),
        pageToken: values.cursor ?? '',
      });
      for (const m of res.merchants) {
        const status = (m.onboarding?.pendingSteps ?? []).length === 0 ? 'complete' : 'pending';
        deps.out(`${m.id}  ${status}  ${m.name}`);
      }
      if (res.nextPageToken) deps.out(`More merchants: add --cursor ${res.nextPageToken}`);
      return;
    }
    case 'update': {
      if (values['clear-fees'] && fees.length > 0) {
        throw new UsageError('--clear-fees and --fee exclude each other');
      }
      const res = await deps.merchants.updateMerchant({
        merchantId: oneId(positionals, 1, 'a merchant id'),
        name: values.name,
        enabledMethods:
          values.methods === undefined ? undefined : { methods: methodsOf(values.methods) },
        defaultSuccessUrl: values['success-url'],
        defaultFailUrl: values['fail-url'],
        notificationUrl: values['result-url'],
        vatRate: values['vat-rate'],
        allowNegativeBalance:
          values['allow-negative-balance'] === undefined
            ? undefined
            : boolOf(values['allow-negative-balance'], '--allow-negative-balance'),
        feePlan: values['clear-fees'] || fees.length > 0 ? { rules: fees } : undefined,
      });
      for (const line of merchantLines(res.merchant)) deps.out(line);
      return;
    }
    case 'keys list': {
      const res = await deps.merchants.listApiKeys({
        merchantId: oneId(positionals, 2, 'a merchant id'),
        limit: limitOption(values.limit, 100, 100),
        startingAfter: values['starting-after'] ?? '',
      });
      for (const k of res.apiKeys) deps.out(keyLine(k));
      const last = res.apiKeys.at(-1)?.id;
      if (res.hasMore && last) deps.out(`More keys: add --starting-after ${last}`);
      return;
    }
    case 'keys create': {
      const idempotencyKey = values['idempotency-key'] ?? `cli-${randomUUID()}`;
      const res = await deps.merchants.createApiKey({
        merchantId: oneId(positionals, 2, 'a merchant id'),
        mode: modeOf(values.mode, '--mode'),
        name: values['key-name'] ?? '',
        idempotencyKey,
      });
      deps.out(keyLine(res.apiKey));
      if (res.replayed) {
        deps.out(
          `Already created with --idempotency-key ${idempotencyKey}; its secret is not shown again (revoke it if lost).`,
        );
      } else {
        deps.out(
          `Idempotency key: ${idempotencyKey} (run again with it to be safe after a failure)`,
        );
        deps.out(`Shown once, store it now: ${res.secret}`);
      }
      return;
    }
    case 'keys revoke': {
      const res = await deps.merchants.revokeApiKey({
        merchantId: oneId(positionals, 2, 'a merchant id'),
        keyId: oneId(positionals, 3, 'a key id'),
      });
      deps.out(keyLine(res.apiKey));
      deps.out('Gateways stop accepting it within 30 seconds.');
      return;
    }
    case 'keys roll': {
      const expiresIn = values['expires-in'] ?? '0';
      if (!/^\d{1,7}$/.test(expiresIn)) throw new UsageError('--expires-in must be seconds');
      const res = await deps.merchants.rollApiKey({
        merchantId: oneId(positionals, 2, 'a merchant id'),
        keyId: oneId(positionals, 3, 'a key id'),
        expiresInSeconds: Number(expiresIn),
      });
      deps.out(`old: ${keyLine(res.rolled)}`);
      deps.out(`new: ${keyLine(res.apiKey)}`);
      deps.out(`Shown once, store it now: ${res.secret}`);
      return;
    }
    case 'secrets rotate': {
      const kind = positionals[3];
      if (kind !== 'form' && kind !== 'webhook') throw new UsageError('say form or webhook');
      const overlap = values.overlap ?? '0';
      if (!/^\d{1,7}$/.test(overlap)) throw new UsageError('--overlap must be seconds');
      const idempotencyKey = values['idempotency-key'] ?? `cli-${randomUUID()}`;
      const res = await deps.merchants.rotateSecret({
        merchantId: oneId(positionals, 2, 'a merchant id'),
        kind:
          kind === 'form'
            ? MerchantSecretKind.MERCHANT_SECRET_KIND_FORM
            : MerchantSecretKind.MERCHANT_SECRET_KIND_WEBHOOK,
        overlapSeconds: Number(overlap),
        idempotencyKey,
      });
      if (res.replayed) deps.out(`Already rotated with --idempotency-key ${idempotencyKey}.`);
      else
        deps.out(
          `Idempotency key: ${idempotencyKey} (run again with it to be safe after a failure)`,
        );
      deps.out(`The previous ${kind} secret stays valid until ${when(res.previousExpiresAt)}.`);
      deps.out(`Shown once, store it now: ${res.secret}`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/**
 * The operators' merchant tool: parses argv, makes one MerchantService call, prints the result.
 * Secrets (API keys, the webhook signing secret) are printed only by the command that creates
 * them. Every refusal prints checkout's stable code and message.
 */
export async function runMerchantsCli(argv: string[], deps: MerchantsCliDeps): Promise<ExitCode> {
  return runOperatorCommand(argv, deps, {
    usage: USAGE,
    parse: (args) => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    commandOf: ({ positionals: [first, second] }) =>
      first === 'keys' || first === 'secrets' ? `${first} ${second ?? ''}` : first,
    run: (command, parsed) => run(command, parsed, deps),
  });
}

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import {
  CheckoutServiceClient,
  MerchantServiceClient,
  PaymentStatus,
} from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  REPO_ROOT,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type CallbackScript,
  startFakeLedger,
  startFakeProviderAdapters,
  startFakeQrPlatform,
  startFakeRecurring,
} from './peers';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run cases -- …` as operators do: its own process, talking gRPC to CHECKOUT_ADDR. */
function runCli(checkoutAddr: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'apps/checkout/src/tools/cases.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
          CHECKOUT_ADDR: checkoutAddr,
          GRPC_INSECURE: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run cases (real process) against a real checkout with a real PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let sql: pg.Client;
  let adapters: Awaited<ReturnType<typeof startFakeProviderAdapters>>;
  let ledger: Awaited<ReturnType<typeof startFakeLedger>>;
  let recurring: Awaited<ReturnType<typeof startFakeRecurring>>;
  let qr: Awaited<ReturnType<typeof startFakeQrPlatform>>;
  let service: ServiceProcess;
  let checkout: PromiseClient<CheckoutServiceClient>;
  let address = '';
  let merchantId = '';
  const cases: Record<'toApply' | 'toReturn', { caseId: string; paymentId: string }> = {
    toApply: { caseId: '', paymentId: '' },
    toReturn: { caseId: '', paymentId: '' },
  };

  /** A payment started with WebMoney whose verified callback moved `amountMinor` USD cents. */
  async function paidWith(key: string, amountMinor: string): Promise<string> {
    const { payment } = await checkout.createPayment({
      merchantId,
      idempotencyKey: key,
      amount: { amountMinor: 10_000n, currency: 'USD' },
      orderId: key,
      description: 'Two books',
      successUrl: '',
      failUrl: '',
      metadata: {},
    });
    const id = payment?.id ?? '';
    const { rows } = await sql.query<{ page_secret: string }>(
      'select page_secret from payments where id = $1',
      [id],
    );
    await checkout.startPayment({
      paymentId: id,
      pageSecret: rows[0]?.page_secret ?? '',
      method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
      payer: {},
    });
    const script: CallbackScript = {
      outcome: 'OUTCOME_SUCCEEDED',
      paymentId: id,
      amountMinor,
      currency: 'USD',
      method: 'PAYMENT_METHOD_WEBMONEY_PURSE',
      providerPaymentId: `wm-${key}`,
      attributes: { payer_purse: 'Z123456789012' },
    };
    await checkout.handleProviderCallback({
      provider: Provider.PROVIDER_WEBMONEY,
      request: {
        method: 'POST',
        path: '/callbacks/webmoney',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(script)),
        remoteAddress: '10.0.0.7',
        query: '',
      },
    });
    return id;
  }

  async function caseOf(paymentId: string): Promise<string> {
    const { rows } = await sql.query<{ id: string }>('select id from cases where payment_id = $1', [
      paymentId,
    ]);
    return rows[0]?.id ?? '';
  }

  beforeAll(async () => {
    db = await freshDatabase('checkout_cases_cli_it');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    adapters = await startFakeProviderAdapters();
    ledger = await startFakeLedger();
    recurring = await startFakeRecurring();
    qr = await startFakeQrPlatform();
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    service = await spawnService({
      name: 'checkout',
      entry: 'apps/checkout/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        GRPC_PORT: String(port),
        PROVIDER_ADAPTERS_ADDR: adapters.address,
        LEDGER_ADDR: ledger.address,
        RECURRING_ADDR: recurring.address,
        QR_PLATFORM_ADDR: qr.address,
      },
      ready: () => grpcServing(address),
    });
    checkout = createClient(CheckoutServiceClient, address);
    const merchants = createClient(MerchantServiceClient, address);
    const created = await merchants.createMerchant({
      idempotencyKey: 'cases-cli-merchant',
      name: 'Case shop',
      enabledMethods: [PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE],
      webmoneyShopId: 'shop-cases',
      defaultSuccessUrl: '',
      defaultFailUrl: '',
    });
    merchants.close();
    merchantId = created.merchant?.id ?? '';

    // Both callbacks verified less money than the payments asked: each opens a held case.
    cases.toApply.paymentId = await paidWith('order-apply', '5000');
    cases.toApply.caseId = await caseOf(cases.toApply.paymentId);
    cases.toReturn.paymentId = await paidWith('order-return', '7000');
    cases.toReturn.caseId = await caseOf(cases.toReturn.paymentId);
  });

  afterAll(async () => {
    checkout?.close();
    await service?.stop();
    await adapters?.close();
    await ledger?.close();
    await recurring?.close();
    await qr?.close();
    await sql?.end();
    await db?.drop();
  });

  it('lists the open cases as a table, newest first, paged with --limit and --cursor', async () => {
    expect(cases.toApply.caseId).toMatch(/^case_/);
    expect(cases.toReturn.caseId).toMatch(/^case_/);
    const all = await runCli(address, 'list', '--status', 'open');
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+KIND\s+PAYMENT\s+AMOUNT\s+EXPECTED\s+PROVIDER/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      [cases.toReturn.caseId, 'open', 'amount_mismatch', cases.toReturn.paymentId],
      [cases.toApply.caseId, 'open', 'amount_mismatch', cases.toApply.paymentId],
    ]);
    expect(lines[2]).toMatch(/\s50\.00 USD\s+100\.00 USD\s+webmoney\s/);

    const first = await runCli(address, 'list', '--limit', '1');
    expect(first.code).toBe(0);
    const cursor = /--cursor (\S+)$/m.exec(first.stdout)?.[1] ?? '';
    expect(cursor).not.toBe('');
    const second = await runCli(address, 'list', '--limit', '1', '--cursor', cursor);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(cases.toApply.caseId);
    expect(second.stdout).not.toContain('--cursor');
  });

  it('shows a case: the payment, the provider reference, both amounts and the audit trail', async () => {
    const res = await runCli(address, 'show', cases.toApply.caseId);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`Payment\\s+${cases.toApply.paymentId}`));
    expect(res.stdout).toMatch(/Provider ref\s+wm-order-apply/);
    expect(res.stdout).toMatch(/Amount\s+50\.00 USD \(5000 minor units\)/);
    expect(res.stdout).toMatch(/Expected\s+100\.00 USD \(10000 minor units\)/);
    expect(res.stdout).toMatch(/Attributes\s+payer_purse=Z123456789012/);
    expect(res.stdout).toMatch(/Audit trail:\n.*\n.*opened/);
  });

  it('applies a case once: the payment succeeds, a repeat answers it, returning it is refused', async () => {
    const apply = () =>
      runCli(address, 'apply', cases.toApply.caseId, '--operator', 'ann@ops', '--note', 'ok');
    const first = await apply();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Case ${cases.toApply.caseId} is applied`);
    expect(first.stdout).toMatch(/Status\s+applied/);
    const { payment } = await checkout.getPayment({
      paymentId: cases.toApply.paymentId,
      merchantId,
      pageSecret: '',
    });
    expect(payment?.status).toBe(PaymentStatus.PAYMENT_STATUS_SUCCEEDED);
    expect((await apply()).code).toBe(0);
    expect(ledger.unapplied.get(cases.toApply.caseId)?.status).toBe('applied');

    const refused = await runCli(
      address,
      'return',
      cases.toApply.caseId,
      '--operator',
      'bob',
      '--reference',
      'wm-back-1',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused: CASE_ALREADY_RESOLVED');
    const shown = await runCli(address, 'show', cases.toApply.caseId);
    expect(shown.stdout).toMatch(/applied\s+ann@ops\s+ok/);
  });

  it('returns a case with its reference', async () => {
    const res = await runCli(
      address,
      'return',
      cases.toReturn.caseId,
      '--operator',
      'bob',
      '--reference',
      'wm-back-7',
      '--note',
      'payer asked',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Status\s+returned/);
    expect(res.stdout).toMatch(/Return ref\s+wm-back-7/);
    expect(ledger.unapplied.get(cases.toReturn.caseId)?.status).toBe('returned');
    const listed = await runCli(address, 'list', '--status', 'returned');
    expect(listed.stdout).toContain(cases.toReturn.caseId);
    expect(listed.stdout).not.toContain(cases.toApply.caseId);
  });

  it('exits 1 for an unknown case and 2 for a usage error, before asking checkout', async () => {
    const unknown = await runCli(address, 'show', 'case_unknown');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('refused: CASE_NOT_FOUND');
    const usage = await runCli(address, 'apply', cases.toReturn.caseId);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--operator is required');
    expect(usage.stderr).toContain('Usage: npm run cases');
    const badAddr = await runCli('not an address', 'list');
    expect(badAddr.code).toBe(2);
    expect(badAddr.stderr).toContain('CHECKOUT_ADDR');
  });
});

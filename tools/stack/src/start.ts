/**
 * `npm start`: the whole platform on this machine with a demo merchant.
 * Real PostgreSQL and Kafka (provisioned by tools/infra, kept in .tolem/ so data survives restarts),
 * every app as its own process, the provider sandbox standing in for WebMoney & co.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';

import { PAYMENT_METHOD_NAMES, type PaymentMethodName } from '@tolem/catalog';
import { provisionInfra } from '@tolem/infra';
import { REPO_ROOT } from '@tolem/testing';

import { DEMO_PRODUCTS, startDemoMerchant } from './demo-merchant';
import { SERVICES } from './services';
import { completeSecrets, startStack } from './stack';

const stateDir = join(REPO_ROOT, '.tolem');
const say = (line: string) => process.stdout.write(`${line}\n`);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function preferredPort(port: number): Promise<number | undefined> {
  return (await portIsFree(port)) ? port : undefined;
}

function loadJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

interface DemoState {
  merchantId: string;
  apiKey: string;
  signingSecret: string;
  /** Absent in files written before cards, Wavepay and QR existed. */
  enabledMethods?: string[];
}

/** The demo merchant takes every method of the catalog, each with a fee of its own. */
const DEMO_METHODS = PAYMENT_METHOD_NAMES;
/** The demo merchant's fee plan in the ledger: the fixed part is per currency (10 cents in USD). */
const DEMO_FEES: Record<
  PaymentMethodName,
  { percent_bps: number; fixed?: { amount: number; currency: string }[] }
> = {
  webmoney_purse: { percent_bps: 250 },
  webmoney_keeper_mobile: { percent_bps: 300, fixed: [{ amount: 10, currency: 'USD' }] },
  card: { percent_bps: 290 },
  wavepay: { percent_bps: 200 },
  qr: { percent_bps: 100 },
};
const DEMO_FEE_RULES = DEMO_METHODS.map((method) => ({ method, ...DEMO_FEES[method] }));

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const secretsFile = join(stateDir, 'secrets.json');
  // A file from an older launcher lacks the newer providers' secrets: those are generated, the
  // rest kept (the demo merchant's data in PostgreSQL stays valid).
  const secrets = completeSecrets(loadJson<Record<string, unknown>>(secretsFile));
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });

  say('Tolem: starting PostgreSQL and Kafka (first run resolves Kafka from Maven Central)...');
  const infra = await provisionInfra({
    stateDir: join(stateDir, 'infra'),
    durable: true,
    log: (m) => say(`  ${m}`),
  });

  const merchant = await startDemoMerchant({ port: await preferredPort(8070) });
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nTolem: stopping...');
    await stack?.stop().catch(() => undefined);
    await merchant.close().catch(() => undefined);
    await infra.stop().catch(() => undefined);
    say('Tolem: stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    say('Tolem: starting the apps...');
    stack = await startStack({
      databaseUrl: infra.databaseUrl,
      kafkaBrokers: infra.kafkaBrokers,
      secrets,
      ports: {
        gateway: await preferredPort(8080),
        'provider-sandbox': await preferredPort(8090),
        // `npm run cases` reaches checkout here by default.
        checkout: await preferredPort(50051),
      },
      // GET /metrics of each app on 9464 (Prometheus' conventional exporter port) and up.
      metricsPorts: Object.fromEntries(
        await Promise.all(
          SERVICES.map(async (s, i) => [s.name, await preferredPort(9464 + i)] as const),
        ),
      ),
      logLevel: process.env['LOG_LEVEL'] ?? 'warn',
      // Tracing (README: Traces) is configured by the standard OTEL_* variables, for every app.
      extraEnv: Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] => e[0].startsWith('OTEL_') && e[1] !== undefined,
        ),
      ),
      // A fresh local CA and a certificate per app (and the operator) at every start.
      pkiDir: join(stateDir, 'pki'),
      echo: process.stderr,
      // An app that exits is restarted, as Kubernetes would, and the restart is said in the output.
      restartOnExit: true,
      log: (m) => say(m.startsWith('[stack]') ? m : `  ${m}`),
    });

    const demoFile = join(stateDir, 'demo-merchant.json');
    let demo = loadJson<DemoState>(demoFile);
    // A demo merchant from an older launcher has fewer methods and no API to add them: make a new one.
    if (!demo || !DEMO_METHODS.every((m) => demo?.enabledMethods?.includes(m))) {
      const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secrets.adminToken}`,
          'content-type': 'application/json',
          'idempotency-key': `demo-merchant-${randomUUID()}`,
        },
        body: JSON.stringify({
          name: 'Demo shop',
          enabled_methods: DEMO_METHODS,
          fee_rules: DEMO_FEE_RULES,
          webmoney_shop_id: '1001',
          result_url: merchant.resultUrl,
          success_url: `${merchant.url}/success`,
          fail_url: `${merchant.url}/fail`,
        }),
      });
      const body = (await res.json()) as {
        merchant?: { id: string };
        api_key?: string;
        webhook_signing_secret?: string;
      };
      if (!res.ok || !body.merchant || !body.api_key || !body.webhook_signing_secret) {
        throw new Error(`creating the demo merchant failed: ${res.status} ${JSON.stringify(body)}`);
      }
      demo = {
        merchantId: body.merchant.id,
        apiKey: body.api_key,
        signingSecret: body.webhook_signing_secret,
        enabledMethods: [...DEMO_METHODS],
      };
      writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
    }
    merchant.configure({
      gatewayUrl: stack.gatewayUrl,
      apiKey: demo.apiKey,
      signingSecret: demo.signingSecret,
    });

    const apiKey = demo.apiKey;
    const gatewayUrl = stack.gatewayUrl;
    const links = await Promise.all(
      DEMO_PRODUCTS.map(async (product) => {
        const created = await fetch(`${gatewayUrl}/v1/payments`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            amount: product.amountMinor,
            currency: product.currency,
            order_id: `demo-${product.currency.toLowerCase()}-${Date.now()}`,
            description: product.description,
            success_url: `${merchant.url}/success`,
            fail_url: `${merchant.url}/fail`,
          }),
        });
        const payment = (await created.json()) as { payment_url?: string };
        return {
          product,
          url: payment.payment_url ?? `(could not create one: HTTP ${created.status})`,
        };
      }),
    );

    say('');
    say('Tolem is running.');
    say(
      `  Gateway (merchant API):   ${stack.gatewayUrl}   (OpenAPI: ${stack.gatewayUrl}/openapi.json)`,
    );
    say(`  API reference:            ${stack.gatewayUrl}/docs`);
    say(`  Demo shop (merchant):     ${merchant.url}`);
    say(`  Provider sandbox:         ${stack.sandboxUrl}/   (test cards, wallet amounts, QR bank)`);
    const casesAddr = stack.addresses.checkout;
    // The tools call checkout as the operator, with the certificate the local CA issued it.
    const operatorDir = relative(process.cwd(), stack.operatorTlsDir ?? '');
    const addrPrefix =
      `GRPC_TLS_DIR=${operatorDir} ` +
      (casesAddr === '127.0.0.1:50051' ? '' : `CHECKOUT_ADDR=${casesAddr} `);
    say(
      `  Cases (operators):        ${addrPrefix}npm run cases -- list   (or ${stack.gatewayUrl}/admin/v1/cases)`,
    );
    say(`  Merchants (operators):    ${addrPrefix}npm run merchants -- list`);
    say(`  Refund payouts:           ${addrPrefix}npm run refunds -- list`);
    say(`  Demo merchant id:         ${demo.merchantId}`);
    say(`  Demo merchant API key:    ${demo.apiKey}`);
    say(`  PostgreSQL:               ${infra.databaseUrl}`);
    say(`  Kafka:                    ${infra.kafkaBrokers}`);
    say('  Metrics (Prometheus, GET /metrics of each app):');
    for (const [name, url] of Object.entries(stack.metricsUrls))
      say(`    ${name.padEnd(20)} ${url}`);
    say('');
    say('  Ready-made payments (open in a browser):');
    for (const { product, url } of links) {
      say(`    ${product.label.padEnd(40)} ${url}`);
    }
    say('');
    say('  Test data (details on the sandbox page):');
    say(
      '    Card: 4111 1111 1111 1111 pays (tick "remember" to bind it), 4000 0000 0000 0051 declines (05);',
    );
    say('          any future expiry, any 3-digit CVV.');
    say(
      `    Wavepay: pay the shown amount in the sandbox wallet (${stack.sandboxUrl}/paykassma/wallet/), then type`,
    );
    say(
      '          its transaction number on the Tolem page; whole kyat ending 01 = pending, 02 = review, 03 = fail.',
    );
    say(`    QR: paste the payment link into the sandbox bank app (${stack.sandboxUrl}/qrbank/).`);
    say(
      '    WebMoney: pay from a sandbox purse, or Keeper Mobile (the SMS code is shown by the sandbox).',
    );
    say('');
    say('  Create a payment with curl:');
    say(`    curl -s ${stack.gatewayUrl}/v1/payments -H 'Authorization: Bearer ${demo.apiKey}' \\`);
    say(`      -H 'Idempotency-Key: '$(date +%s%N) -H 'Content-Type: application/json' \\`);
    say(`      -d '{"amount": 1999, "currency": "USD", "order_id": "A-1", "description": "Mug"}'`);
    say('');
    say('Press Ctrl-C to stop everything (apps, PostgreSQL, Kafka). State is kept in .tolem/.');
  } catch (err) {
    process.stderr.write(`Tolem failed to start: ${(err as Error).stack ?? String(err)}\n`);
    await shutdown(1);
  }
}

void main();

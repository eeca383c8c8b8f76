/**
 * `npm start`: the whole platform on this machine with a demo merchant.
 * Real PostgreSQL and Kafka (provisioned by tools/infra, kept in .tolem/ so data survives restarts),
 * every app as its own process, the provider sandbox standing in for WebMoney & co.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { provisionInfra } from '@tolem/infra';
import { REPO_ROOT } from '@tolem/testing';

import { startDemoMerchant } from './demo-merchant';
import { type StackSecrets,startStack } from './stack';

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
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const secretsFile = join(stateDir, 'secrets.json');
  const secrets: StackSecrets = loadJson<StackSecrets>(secretsFile) ?? {
    adminToken: `adm_${randomBytes(24).toString('base64url')}`,
    webmoneySecretKey: `wm_${randomBytes(24).toString('base64url')}`,
  };
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });

  say('Tolem: starting PostgreSQL and Kafka (first run resolves Kafka from Maven Central)...');
  const infra = await provisionInfra({ stateDir: join(stateDir, 'infra'), durable: true, log: (m) => say(`  ${m}`) });

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
      ports: { gateway: await preferredPort(8080), 'provider-sandbox': await preferredPort(8090) },
      logLevel: process.env['LOG_LEVEL'] ?? 'warn',
      echo: process.stderr,
      log: (m) => say(`  ${m}`),
    });

    const demoFile = join(stateDir, 'demo-merchant.json');
    let demo = loadJson<DemoState>(demoFile);
    if (!demo) {
      const res = await fetch(`${stack.gatewayUrl}/admin/v1/merchants`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secrets.adminToken}`,
          'content-type': 'application/json',
          'idempotency-key': `demo-merchant-${randomUUID()}`,
        },
        body: JSON.stringify({
          name: 'Demo shop',
          enabled_methods: ['webmoney_purse', 'webmoney_keeper_mobile'],
          fee_rules: [
            { method: 'webmoney_purse', percent_bps: 250, fixed_minor: 0 },
            { method: 'webmoney_keeper_mobile', percent_bps: 300, fixed_minor: 10 },
          ],
          webmoney_shop_id: '1001',
          result_url: merchant.resultUrl,
          success_url: `${merchant.url}/success`,
          fail_url: `${merchant.url}/fail`,
        }),
      });
      const body = (await res.json()) as { merchant?: { id: string }; api_key?: string; webhook_signing_secret?: string };
      if (!res.ok || !body.merchant || !body.api_key || !body.webhook_signing_secret) {
        throw new Error(`creating the demo merchant failed: ${res.status} ${JSON.stringify(body)}`);
      }
      demo = { merchantId: body.merchant.id, apiKey: body.api_key, signingSecret: body.webhook_signing_secret };
      writeFileSync(demoFile, JSON.stringify(demo, null, 2), { mode: 0o600 });
    }
    merchant.configure({ gatewayUrl: stack.gatewayUrl, apiKey: demo.apiKey, signingSecret: demo.signingSecret });

    const created = await fetch(`${stack.gatewayUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.apiKey}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ amount: 1999, currency: 'USD', order_id: `demo-${Date.now()}`, description: 'Demo order: a Tolem mug' }),
    });
    const payment = (await created.json()) as { payment_url?: string };

    say('');
    say('Tolem is running.');
    say(`  Gateway (merchant API):   ${stack.gatewayUrl}   (OpenAPI: ${stack.gatewayUrl}/openapi.json)`);
    say(`  Try a payment:            ${payment.payment_url ?? '(could not create one)'}`);
    say(`  Demo shop (merchant):     ${merchant.url}`);
    say(`  Provider sandbox:         ${stack.sandboxUrl}`);
    say(`  Demo merchant id:         ${demo.merchantId}`);
    say(`  Demo merchant API key:    ${demo.apiKey}`);
    say(`  PostgreSQL:               ${infra.databaseUrl}`);
    say(`  Kafka:                    ${infra.kafkaBrokers}`);
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

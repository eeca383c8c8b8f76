import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { Provider } from '@tolem/contracts/common';
import { type HandleCallbackResponse, ProviderServiceClient } from '@tolem/contracts/provider';
import { createKnex, type Knex } from '@tolem/db-kit';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  httpAnswers,
  type ServiceProcess,
  spawnService,
  waitFor,
} from '@tolem/testing';

/**
 * Contract-test rig: provider-sandbox and provider-adapters as real processes, and between them
 * a small stand-in for the gateway's `/callbacks/{provider}` route that hands every provider
 * callback to provider-adapters' HandleCallback and answers with its exact reply (what the
 * gateway does in production). Every exchange is recorded for assertions.
 */

export const SECRETS = {
  webmoney: 'contract-wm-secret',
  imEshopId: '450123',
  imSecret: 'contract-im-secret',
  imBearer: 'contract-im-bearer',
  imSign: 'contract-im-sign',
  imUserToken: 'contract-im-user',
  pkPlugin: 'contract-pk-plugin',
  pkAccess: 'contract-pk-access',
  pkPrivate: 'contract-pk-private',
  qrAcquirer: 'mbank',
  qrSecret: 'contract-qr-secret-mbank',
} as const;

const PROVIDER_OF_PATH: Record<string, Provider> = {
  webmoney: Provider.PROVIDER_WEBMONEY,
  intellectmoney: Provider.PROVIDER_INTELLECTMONEY,
  paykassma: Provider.PROVIDER_PAYKASSMA,
  qr: Provider.PROVIDER_QR_ACQUIRER,
};

/** One provider callback as the stand-in gateway saw it. */
export interface Exchange {
  provider: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  replyBody: string;
  response?: HandleCallbackResponse;
}

export interface Rig {
  sandboxUrl: string;
  client: PromiseClient<ProviderServiceClient>;
  db: Knex;
  exchanges: Exchange[];
  sandbox: ServiceProcess;
  adapters: ServiceProcess;
  /** Waits for a recorded exchange matching the predicate (newer than `since` entries). */
  exchange(
    predicate: (e: Exchange) => boolean,
    options?: { since?: number; what?: string },
  ): Promise<Exchange>;
  /** JSON call to the sandbox (test-control API or provider API). */
  sandboxJson(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown>;
  transaction(paymentId: string, provider: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

function startRelay(adaptersAddress: string, exchanges: Exchange[]) {
  const client = createClient(ProviderServiceClient, adaptersAddress, {
    defaultDeadlineMs: 20_000,
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://relay');
      const segment = /^\/callbacks\/([a-z_]+)$/.exec(url.pathname)?.[1] ?? '';
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const provider = PROVIDER_OF_PATH[segment];
      const record: Exchange = {
        provider: segment,
        headers,
        body: body.toString('utf8'),
        status: 0,
        replyBody: '',
      };
      const answer = (status: number, contentType: string, reply: Buffer) => {
        record.status = status;
        record.replyBody = reply.toString('utf8');
        exchanges.push(record);
        res.writeHead(status, { 'content-type': contentType }).end(reply);
      };
      if (provider === undefined) {
        answer(404, 'text/plain', Buffer.from('no such provider'));
        return;
      }
      client
        .handleCallback({
          provider,
          request: {
            method: req.method ?? 'POST',
            path: url.pathname,
            headers,
            body,
            remoteAddress: req.socket.remoteAddress ?? '',
            query: url.search.replace(/^\?/, ''),
          },
        })
        .then((response) => {
          record.response = response;
          const reply = response.reply;
          answer(
            reply?.statusCode ?? 500,
            reply?.contentType ?? 'text/plain',
            Buffer.from(reply?.body ?? []),
          );
        })
        .catch((err: unknown) => {
          answer(503, 'text/plain', Buffer.from(`relay: ${(err as Error).message}`));
        });
    });
  });
  return { server, client };
}

export async function startRig(name: string): Promise<Rig> {
  const database = await freshDatabase(`provider_adapters_contract_${name}`);
  const adaptersPort = await freePort();
  const sandboxPort = await freePort();
  const relayPort = await freePort();
  const exchanges: Exchange[] = [];
  const relay = startRelay(`127.0.0.1:${adaptersPort}`, exchanges);
  await new Promise<void>((resolve) => relay.server.listen(relayPort, '127.0.0.1', resolve));
  const callbacks = `http://127.0.0.1:${relayPort}/callbacks`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;

  const sandbox = await spawnService({
    name: 'provider-sandbox',
    entry: 'apps/provider-sandbox/src/main.ts',
    env: {
      HTTP_PORT: String(sandboxPort),
      LOG_LEVEL: 'info',
      SANDBOX_CALLBACK_ATTEMPTS: '2',
      SANDBOX_CALLBACK_BACKOFF_MS: '200',
      SANDBOX_WEBMONEY_SECRET_KEY: SECRETS.webmoney,
      SANDBOX_INTELLECTMONEY_ESHOP_ID: SECRETS.imEshopId,
      SANDBOX_INTELLECTMONEY_SECRET_KEY: SECRETS.imSecret,
      SANDBOX_INTELLECTMONEY_RESULT_URL: `${callbacks}/intellectmoney`,
      SANDBOX_INTELLECTMONEY_BEARER_TOKEN: SECRETS.imBearer,
      SANDBOX_INTELLECTMONEY_SIGN_SECRET: SECRETS.imSign,
      SANDBOX_PAYKASSMA_PLUGIN_API_SECRET: SECRETS.pkPlugin,
      SANDBOX_PAYKASSMA_POSTBACK_ACCESS_KEY: SECRETS.pkAccess,
      SANDBOX_PAYKASSMA_POSTBACK_PRIVATE_KEY: SECRETS.pkPrivate,
      SANDBOX_PAYKASSMA_POSTBACK_URL: `${callbacks}/paykassma`,
      SANDBOX_PAYKASSMA_PENDING_DELAY_MS: '1500',
      SANDBOX_QR_ACQUIRER_ID: SECRETS.qrAcquirer,
      SANDBOX_QR_ACQUIRER_SECRET: SECRETS.qrSecret,
      SANDBOX_QR_CALLBACK_URL: `${callbacks}/qr`,
    },
    ready: () => httpAnswers(`${sandboxUrl}/healthz`),
  });

  const adapters = await spawnService({
    name: 'provider-adapters',
    entry: 'apps/provider-adapters/src/main.ts',
    env: {
      DATABASE_URL: database.url,
      GRPC_PORT: String(adaptersPort),
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'info',
      CALLBACK_BASE_URL: callbacks,
      PROVIDER_HTTP_TIMEOUT_MS: '10000',
      WEBMONEY_MERCHANT_URL: `${sandboxUrl}/webmoney/lmi/payment_utf.asp`,
      WEBMONEY_PURSES: 'USD:Z145179295679',
      WEBMONEY_SECRET_KEY: SECRETS.webmoney,
      INTELLECTMONEY_PAYMENT_URL: `${sandboxUrl}/intellectmoney/ru/`,
      INTELLECTMONEY_API_URL: `${sandboxUrl}/intellectmoney`,
      INTELLECTMONEY_ESHOP_ID: SECRETS.imEshopId,
      INTELLECTMONEY_SECRET_KEY: SECRETS.imSecret,
      INTELLECTMONEY_BEARER_TOKEN: SECRETS.imBearer,
      INTELLECTMONEY_SIGN_SECRET: SECRETS.imSign,
      INTELLECTMONEY_USER_TOKEN: SECRETS.imUserToken,
      PAYKASSMA_PLUGIN_URL: `${sandboxUrl}/paykassma/plugin/`,
      PAYKASSMA_API_URL: `${sandboxUrl}/paykassma`,
      PAYKASSMA_PLUGIN_API_SECRET: SECRETS.pkPlugin,
      PAYKASSMA_POSTBACK_ACCESS_KEY: SECRETS.pkAccess,
      PAYKASSMA_POSTBACK_PRIVATE_KEY: SECRETS.pkPrivate,
      QR_ACQUIRER_SECRETS: `${SECRETS.qrAcquirer}:${SECRETS.qrSecret}`,
      QR_CALLBACK_MAX_SKEW_MS: '300000',
    },
    ready: () => grpcServing(`127.0.0.1:${adaptersPort}`),
  });

  // Its readiness check accepts any HTTP answer on its port: a sandbox that lost the port to
  // another process would have died by now, while that process answered for it.
  if (sandbox.child.exitCode !== null) {
    throw new Error(`provider-sandbox exited during start:\n${sandbox.output().slice(-3_000)}`);
  }
  const client = createClient(ProviderServiceClient, `127.0.0.1:${adaptersPort}`, {
    defaultDeadlineMs: 30_000,
  });
  const db = createKnex({ url: database.url, applicationName: 'provider-adapters-contract' });

  return {
    sandboxUrl,
    client,
    db,
    exchanges,
    sandbox,
    adapters,
    async exchange(predicate, options = {}) {
      try {
        return await waitFor(() => exchanges.slice(options.since ?? 0).find(predicate), {
          timeoutMs: 20_000,
          what: options.what ?? 'a provider callback',
        });
      } catch (err) {
        // What did arrive, and whether both processes still run, is what tells the cause.
        const seen = exchanges.slice(options.since ?? 0).map((e) => ({
          provider: e.provider,
          status: e.status,
          reply: e.replyBody.slice(0, 200),
          paymentId: e.response?.paymentId,
          outcome: e.response?.outcome,
        }));
        const alive = (p: ServiceProcess) => (p.child.exitCode === null ? 'running' : 'exited');
        throw new Error(
          `${(err as Error).message}\nexchanges seen: ${JSON.stringify(seen)}\n` +
            `sandbox ${alive(sandbox)}, adapters ${alive(adapters)}\n` +
            `--- provider-sandbox ---\n${sandbox.output().slice(-3_000)}\n` +
            `--- provider-adapters ---\n${adapters.output().slice(-3_000)}`,
        );
      }
    },
    async sandboxJson(method, path, body) {
      const res = await fetch(`${sandboxUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`sandbox ${method} ${path}: HTTP ${res.status} ${text}`);
      return JSON.parse(text) as unknown;
    },
    async transaction(paymentId, provider) {
      return (await db('provider_transactions')
        .where({ payment_id: paymentId, provider })
        .first()) as Record<string, unknown> | undefined;
    },
    async close() {
      client.close();
      relay.client.close();
      await new Promise<void>((resolve) => relay.server.close(() => resolve()));
      await db.destroy();
      await adapters.stop();
      await sandbox.stop();
      await database.drop();
    },
  };
}

/** Posts a FormPost action like the payer's browser; returns the redirect it got. */
export async function submitForm(
  url: string,
  fields: { name: string; value: string }[],
): Promise<{ status: number; location: string; body: string }> {
  const body = new URLSearchParams(
    fields.map((f): [string, string] => [f.name, f.value]),
  ).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  });
  return {
    status: res.status,
    location: res.headers.get('location') ?? '',
    body: await res.text(),
  };
}

const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, '0')}${value}`;

/**
 * An ELQR payment link (protocols.md §5.2) as qr-platform issues it: 32/11 transactionId = the
 * Tolem reference, 54 = amount in tyiyn, ID 63 = last 4 hex of SHA-256 of everything before it.
 */
export function elqrLink(
  reference: string,
  amountTyiyn: bigint | undefined,
  kind: 'static' | 'dynamic',
): string {
  const body =
    tlv('00', '01') +
    tlv('01', kind === 'dynamic' ? '12' : '11') +
    tlv(
      '32',
      tlv('00', 'pay.tolem.kg') +
        tlv('01', 'tolem') +
        tlv(kind === 'dynamic' ? '11' : '10', reference),
    ) +
    tlv('52', '5812') +
    tlv('53', '417') +
    (amountTyiyn === undefined ? '' : tlv('54', amountTyiyn.toString())) +
    tlv('59', 'Tolem contract');
  const checksum = createHash('sha256').update(body, 'utf8').digest('hex').slice(-4);
  return `https://pay.payqr.kg/#${body}6304${checksum}`;
}

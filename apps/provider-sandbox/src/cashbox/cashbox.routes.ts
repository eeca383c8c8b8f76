import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { sameSecret } from '../compare';
import type { CashboxSandboxConfig } from './settings';
import { type CashboxFaults, type CashboxStore, noFaults, type ReceivedReceipt } from './store';
import { type CashboxError, CashboxRefusal, refuse, validateReceiptRequest } from './validate';

export interface CashboxRouteDeps {
  config: CashboxSandboxConfig;
  store: CashboxStore;
  faults: CashboxFaults;
  /** Waits (the delay fault); injectable so specs need not sleep. */
  sleep: (ms: number) => Promise<void>;
}

/** Emails that make the register refuse the receipt (400), so refusals can be tested. */
export const REFUSED_EMAIL = 'refuse@cashbox.test';

function sendError(reply: FastifyReply, e: CashboxError): FastifyReply {
  return reply.code(e.status).send({
    type: 'error',
    id: randomUUID(),
    code: e.code,
    description: e.description,
    ...(e.parameter !== undefined ? { parameter: e.parameter } : {}),
  });
}

/** Basic shopId:secret, compared in constant time; YooKassa answers 401 invalid_credentials. */
function authorized(request: FastifyRequest, config: CashboxSandboxConfig): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return (
    sameSecret(config.shopId, decoded.slice(0, colon)) &&
    sameSecret(config.secretKey.reveal(), decoded.slice(colon + 1))
  );
}

const UNAUTHORIZED: CashboxError = {
  status: 401,
  code: 'invalid_credentials',
  description: 'Login or password is incorrect. Check the shopId and the secret key.',
};

function shown(e: ReceivedReceipt) {
  return {
    ...e.receipt,
    idempotence_key: e.idempotenceKey,
    customer: {
      ...(e.customer.email ? { email: e.customer.email } : {}),
      ...(e.customer.phone ? { phone: e.customer.phone } : {}),
      ...(e.customer.fullName ? { full_name: e.customer.fullName } : {}),
      ...(e.customer.inn ? { inn: e.customer.inn } : {}),
    },
    received_at: e.receivedAt.toISOString(),
    requests: e.requests,
  };
}

const faultsBody = z.object({
  fail_next: z.number().int().min(0).max(1000).optional(),
  fail_status: z.number().int().min(400).max(599).optional(),
  delay_next: z.number().int().min(0).max(1000).optional(),
  delay_ms: z.number().int().min(0).max(120_000).optional(),
});

const faultsJson = (f: CashboxFaults) => ({
  fail_next: f.failNext,
  fail_status: f.failStatus,
  delay_next: f.delayNext,
  delay_ms: f.delayMs,
});

/**
 * YooKassa's receipts API (`/cashbox/v3/receipts`) plus the sandbox's test API
 * (`/_sandbox/cashbox/…`: what was received, and faults to inject).
 */
export function registerCashboxRoutes(app: FastifyInstance, deps: CashboxRouteDeps): void {
  const { config, store, faults } = deps;

  // The register's own errors are YooKassa's JSON error objects, never the sandbox's pages.
  app.setErrorHandler((err, request, reply) => {
    if (err instanceof CashboxRefusal) return sendError(reply, err.error);
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(reply, {
        status: 400,
        code: 'invalid_request',
        description: (err as Error).message,
      });
    }
    request.log.error({ err }, 'cashbox request failed');
    return sendError(reply, {
      status: 500,
      code: 'internal_server_error',
      description: 'Internal error',
    });
  });

  app.post('/cashbox/v3/receipts', async (request, reply) => {
    if (!authorized(request, config)) return sendError(reply, UNAUTHORIZED);
    const keyHeader = request.headers['idempotence-key'];
    const key = typeof keyHeader === 'string' ? keyHeader : '';
    if (key === '' || key.length > 64) {
      refuse('Idempotence-Key', 'Idempotence-Key header is required (at most 64 characters)');
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      return sendError(reply, {
        status: faults.failStatus,
        code: faults.failStatus >= 500 ? 'internal_server_error' : 'invalid_request',
        description: 'Injected sandbox fault',
      });
    }
    // A key seen before answers from memory, before validation: a replay is not a new request.
    const seen = store.recall(key, request.body);
    const result = seen ?? registerNew(key, request.body);
    if (result.kind === 'key_conflict') {
      refuse('Idempotence-Key', 'Idempotence key duplicated');
    }
    if (result.kind === 'created' && faults.delayNext > 0) {
      faults.delayNext -= 1;
      await deps.sleep(faults.delayMs);
    }
    return reply.code(200).send(result.entry.receipt);
  });

  function registerNew(key: string, body: unknown) {
    const valid = validateReceiptRequest(body);
    if (valid.customer.email === REFUSED_EMAIL) {
      refuse('customer.email', 'The cash register refused this customer');
    }
    return store.register(key, body, valid);
  }

  app.get<{ Params: { id: string } }>('/cashbox/v3/receipts/:id', async (request, reply) => {
    if (!authorized(request, config)) return sendError(reply, UNAUTHORIZED);
    const entry = store.get(request.params.id);
    if (!entry) {
      return sendError(reply, {
        status: 404,
        code: 'not_found',
        description: 'Receipt not found',
        parameter: 'receipt_id',
      });
    }
    return entry.receipt;
  });

  app.get<{ Querystring: { payment_id?: string } }>(
    '/_sandbox/cashbox/receipts',
    async (request) => {
      const paymentId = request.query.payment_id;
      const receipts = store
        .list()
        .filter((e) => paymentId === undefined || e.receipt.payment_id === paymentId)
        .map(shown);
      return { receipts };
    },
  );

  app.get('/_sandbox/cashbox/faults', async () => faultsJson(faults));

  app.post('/_sandbox/cashbox/faults', async (request, reply) => {
    const parsed = faultsBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({
        error: {
          code: 'SANDBOX_BAD_REQUEST',
          message: parsed.error.issues[0]?.message ?? 'bad faults',
          details: {},
        },
      });
    }
    const b = parsed.data;
    Object.assign(faults, noFaults(), {
      ...(b.fail_next !== undefined ? { failNext: b.fail_next } : {}),
      ...(b.fail_status !== undefined ? { failStatus: b.fail_status } : {}),
      ...(b.delay_next !== undefined ? { delayNext: b.delay_next } : {}),
      ...(b.delay_ms !== undefined ? { delayMs: b.delay_ms } : {}),
    });
    return faultsJson(faults);
  });
}

import { Case, CaseStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import type { FastifyInstance } from 'fastify';
import { beforeEach, describe, expect, it } from 'vitest';

import {
  authenticateByKeys,
  gatewayDeps,
  readyGateway,
  recorded,
  type RecordedCall,
} from '../../../test/fakes/gateway-deps.fake';
import type { GatewayDeps } from '../server';

const openCase = Case.fromPartial({
  id: 'case_1',
  kind: 'amount_mismatch',
  status: CaseStatus.CASE_STATUS_OPEN,
  paymentId: 'pay_1',
  merchantId: 'mer_1',
  provider: Provider.PROVIDER_WEBMONEY,
  method: PaymentMethod.PAYMENT_METHOD_WEBMONEY_PURSE,
  providerPaymentId: '908070',
  amount: { amountMinor: 1500n, currency: 'USD' },
  expected: { amountMinor: 1999n, currency: 'USD' },
  paymentStatus: 'pending',
  callbackId: 'cb_1',
  providerAttributes: { payer_purse: 'Z145179295679' },
  reason: 'the provider moved a different amount or currency than the payment asked',
  createdAt: new Date('2026-12-06T09:00:00.000Z'),
});

const caseNotFound = (id: string) =>
  new DomainError('CASE_NOT_FOUND', 'not_found', `case ${id} not found`);

/** checkout's CaseService over `openCase`, every call recorded; mer_1's test key is no admin token. */
function fakes() {
  const calls: RecordedCall[] = [];
  const deps = gatewayDeps({
    merchants: { authenticateApiKey: authenticateByKeys({ sk_test_good: 'mer_1' }) },
    cases: recorded<GatewayDeps['cases']>(calls, {
      listCases: async (req) => {
        if (req.pageToken === 'forged') {
          throw new DomainError(
            'CASE_INVALID_REQUEST',
            'invalid',
            'page_token is not one this API issued',
            {
              details: { field: 'page_token' },
            },
          );
        }
        return { cases: [openCase], nextPageToken: req.pageToken === '' ? 'tok_2' : '' };
      },
      getCase: async (req) => {
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: openCase,
          callback: {
            callbackId: 'cb_1',
            receivedAt: new Date('2026-12-06T08:59:00.000Z'),
            method: 'POST',
            path: '/callbacks/webmoney',
            query: '',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: Buffer.from('LMI_PAYMENT_NO=7&LMI_PAYMENT_AMOUNT=99.99'),
            verdict: 'accepted',
            reasonCode: '',
          },
          audit: [
            {
              at: new Date('2026-12-06T09:00:00.000Z'),
              action: 'opened',
              actor: 'system',
              detail: 'amount_mismatch',
            },
          ],
        };
      },
      applyCase: async (req) => {
        if (req.caseId === 'case_returned') {
          throw new DomainError(
            'CASE_ALREADY_RESOLVED',
            'precondition',
            'case case_returned was already returned',
            { details: { status: 'returned' } },
          );
        }
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: {
            ...openCase,
            status: CaseStatus.CASE_STATUS_APPLIED,
            resolvedAt: new Date('2026-12-06T09:30:00.000Z'),
          },
        };
      },
      returnCase: async (req) => {
        if (req.caseId === 'case_applied') {
          throw new DomainError(
            'CASE_ALREADY_RESOLVED',
            'precondition',
            'case case_applied was already applied',
            { details: { status: 'applied' } },
          );
        }
        if (req.caseId !== 'case_1') throw caseNotFound(req.caseId);
        return {
          case: {
            ...openCase,
            status: CaseStatus.CASE_STATUS_RETURNED,
            returnReference: req.returnReference,
            resolvedAt: new Date('2026-12-06T09:30:00.000Z'),
          },
        };
      },
    }),
  });
  return { deps, calls };
}

describe('operator cases (/admin/v1/cases)', () => {
  let app: FastifyInstance;
  let calls: RecordedCall[];

  beforeEach(async () => {
    ({ app, calls } = await readyGateway(fakes()));
    return () => app.close();
  });

  const admin = { authorization: 'Bearer admin-secret' };
  const adminJson = { ...admin, 'content-type': 'application/json' };
  const caseCalls = () =>
    calls.filter((c) => c.method.endsWith('Case') || c.method === 'listCases');

  it('refuses every case route without the admin token, asking checkout nothing', async () => {
    const requests = [
      { method: 'GET' as const, url: '/admin/v1/cases' },
      { method: 'GET' as const, url: '/admin/v1/cases/case_1' },
      {
        method: 'POST' as const,
        url: '/admin/v1/cases/case_1/apply',
        payload: { operator: 'ann' },
      },
      {
        method: 'POST' as const,
        url: '/admin/v1/cases/case_1/return',
        payload: { operator: 'ann', return_reference: 'r1' },
      },
    ];
    for (const headers of [{}, { authorization: 'Bearer sk_test_good' }]) {
      for (const r of requests) {
        const res = await app.inject({ ...r, headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      }
    }
    expect(caseCalls()).toHaveLength(0);
  });

  it('lists cases with filters, a limit and an opaque cursor, Stripe-style', async () => {
    const first = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?status=open&merchant_id=mer_1&limit=1',
      headers: { ...admin, 'x-request-id': 'ops-1' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      object: 'list',
      url: '/admin/v1/cases',
      data: [
        {
          id: 'case_1',
          object: 'case',
          kind: 'amount_mismatch',
          status: 'open',
          reason: 'the provider moved a different amount or currency than the payment asked',
          payment_id: 'pay_1',
          merchant_id: 'mer_1',
          payment_status: 'pending',
          provider: 'webmoney',
          method: 'webmoney_purse',
          provider_payment_id: '908070',
          amount: 1500,
          currency: 'USD',
          expected_amount: 1999,
          expected_currency: 'USD',
          callback_id: 'cb_1',
          provider_attributes: { payer_purse: 'Z145179295679' },
          return_reference: null,
          created_at: '2026-12-06T09:00:00.000Z',
          resolved_at: null,
        },
      ],
      has_more: true,
      next_cursor: 'tok_2',
    });
    expect(calls.at(-1)).toEqual({
      method: 'listCases',
      requestId: 'ops-1',
      request: {
        status: CaseStatus.CASE_STATUS_OPEN,
        merchantId: 'mer_1',
        paymentId: '',
        pageSize: 1,
        pageToken: '',
      },
    });
    const next = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?cursor=tok_2',
      headers: admin,
    });
    expect(next.json()).toMatchObject({ has_more: false, next_cursor: null });
    expect(calls.at(-1)?.request).toMatchObject({
      status: CaseStatus.CASE_STATUS_UNSPECIFIED,
      pageSize: 50,
      pageToken: 'tok_2',
    });
  });

  it('refuses a bad status, limit, filter or cursor with 400 before or from checkout', async () => {
    for (const query of [
      'status=closed',
      'limit=0',
      'limit=201',
      'limit=1.5',
      'merchant_id=mer%201',
      'sort=asc',
    ]) {
      const res = await app.inject({
        method: 'GET',
        url: `/admin/v1/cases?${query}`,
        headers: admin,
      });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('VALIDATION_FAILED');
    }
    expect(caseCalls()).toHaveLength(0);
    const forged = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases?cursor=forged',
      headers: admin,
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error).toMatchObject({
      code: 'CASE_INVALID_REQUEST',
      details: { field: 'page_token' },
    });
  });

  it('shows one case with its audit trail, and 404 for an unknown one', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/v1/cases/case_1', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      amount: 1500,
      expected_amount: 1999,
      callback_id: 'cb_1',
      audit: [
        {
          at: '2026-12-06T09:00:00.000Z',
          action: 'opened',
          actor: 'system',
          detail: 'amount_mismatch',
        },
      ],
      // The provider's own bytes, as provider-adapters stored them for audit.
      raw_callback: {
        id: 'cb_1',
        received_at: '2026-12-06T08:59:00.000Z',
        method: 'POST',
        path: '/callbacks/webmoney',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'LMI_PAYMENT_NO=7&LMI_PAYMENT_AMOUNT=99.99',
        body_encoding: 'utf8',
        verdict: 'accepted',
      },
    });
    const unknown = await app.inject({
      method: 'GET',
      url: '/admin/v1/cases/case_nope',
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CASE_NOT_FOUND');
  });

  it('applies a case with the operator and note, an Idempotency-Key accepted but not required', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: { ...adminJson, 'idempotency-key': 'apply-case_1' },
      payload: { operator: ' ann@ops ', note: 'payer confirmed by phone' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      status: 'applied',
      resolved_at: '2026-12-06T09:30:00.000Z',
    });
    expect(calls.at(-1)?.request).toEqual({
      caseId: 'case_1',
      operator: 'ann@ops',
      note: 'payer confirmed by phone',
    });
    const bare = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(bare.statusCode).toBe(200);
    expect(calls.at(-1)?.request).toEqual({ caseId: 'case_1', operator: 'ann', note: '' });
  });

  it('returns a case with its reference', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/return',
      headers: adminJson,
      payload: { operator: 'ann', return_reference: 'wm-refund-77', note: 'payer asked' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'case_1',
      status: 'returned',
      return_reference: 'wm-refund-77',
    });
    expect(calls.at(-1)?.request).toEqual({
      caseId: 'case_1',
      operator: 'ann',
      note: 'payer asked',
      returnReference: 'wm-refund-77',
    });
  });

  it('answers 422 CASE_ALREADY_RESOLVED for the other resolution, 404 for an unknown case', async () => {
    const apply = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_returned/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(apply.statusCode).toBe(422);
    expect(apply.json().error).toMatchObject({
      code: 'CASE_ALREADY_RESOLVED',
      details: { status: 'returned' },
    });
    const giveBack = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_applied/return',
      headers: adminJson,
      payload: { operator: 'ann', return_reference: 'r1' },
    });
    expect(giveBack.statusCode).toBe(422);
    expect(giveBack.json().error.code).toBe('CASE_ALREADY_RESOLVED');
    const unknown = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_nope/apply',
      headers: adminJson,
      payload: { operator: 'ann' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CASE_NOT_FOUND');
  });

  it('publishes the case routes in the OpenAPI document under the admin tag', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    const ops = [
      doc.paths['/admin/v1/cases']?.['get'],
      doc.paths['/admin/v1/cases/{id}']?.['get'],
      doc.paths['/admin/v1/cases/{id}/apply']?.['post'],
      doc.paths['/admin/v1/cases/{id}/return']?.['post'],
    ];
    for (const op of ops) {
      expect(op?.tags).toEqual(['admin']);
      expect(op?.security).toEqual([{ adminToken: [] }]);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Case', 'CaseDetail', 'CaseList']),
    );
  });

  it('refuses invalid bodies and keys with 400, asking checkout nothing', async () => {
    const bad: { url: string; payload?: unknown; headers?: Record<string, string> }[] = [
      { url: '/admin/v1/cases/case_1/apply', payload: {} },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: '   ' } },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: 'ann', amount: 1 } },
      { url: '/admin/v1/cases/case_1/apply', payload: { operator: 'x'.repeat(201) } },
      { url: '/admin/v1/cases/case_1/return', payload: { operator: 'ann' } },
      { url: '/admin/v1/cases/case_1/return', payload: { operator: 'ann', return_reference: '' } },
      { url: '/admin/v1/cases/case%201/apply', payload: { operator: 'ann' } },
      {
        url: '/admin/v1/cases/case_1/apply',
        payload: { operator: 'ann' },
        headers: { 'idempotency-key': 'k'.repeat(256) },
      },
    ];
    for (const r of bad) {
      const res = await app.inject({
        method: 'POST',
        url: r.url,
        headers: { ...adminJson, ...r.headers },
        payload: r.payload as Record<string, unknown>,
      });
      expect(res.statusCode, JSON.stringify(r)).toBe(400);
      expect(['VALIDATION_FAILED', 'IDEMPOTENCY_KEY_INVALID']).toContain(res.json().error.code);
    }
    const noBody = await app.inject({
      method: 'POST',
      url: '/admin/v1/cases/case_1/apply',
      headers: admin,
    });
    expect(noBody.statusCode).toBe(400);
    expect(caseCalls()).toHaveLength(0);
  });
});

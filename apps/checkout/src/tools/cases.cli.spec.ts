import { Case, CaseStatus } from '@tolem/contracts/checkout';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { type CasesCliDeps, runCasesCli } from './cases.cli';

const held = Case.fromPartial({
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
  providerAttributes: { payer_wmid: '123456789012', payer_purse: 'Z1' },
  createdAt: new Date('2026-12-06T09:00:00.000Z'),
});

function cli() {
  const calls: { method: string; request: unknown }[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const deps: CasesCliDeps = {
    checkoutAddr: '127.0.0.1:50051',
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cases: {
      listCases: async (request) => {
        calls.push({ method: 'listCases', request });
        return { cases: [held], nextPageToken: 'tok_2' };
      },
      getCase: async (request) => {
        calls.push({ method: 'getCase', request });
        if (request.caseId !== 'case_1') {
          throw new DomainError('CASE_NOT_FOUND', 'not_found', `case ${request.caseId} not found`);
        }
        return { case: held, audit: [], callback: undefined };
      },
      applyCase: async (request) => {
        calls.push({ method: 'applyCase', request });
        throw new DomainError(
          'CASE_ALREADY_RESOLVED',
          'precondition',
          'case case_1 was already returned',
        );
      },
      returnCase: async (request) => {
        calls.push({ method: 'returnCase', request });
        return {
          case: {
            ...held,
            status: CaseStatus.CASE_STATUS_RETURNED,
            returnReference: request.returnReference,
          },
        };
      },
    },
  };
  return { deps, calls, out, err, run: (...argv: string[]) => runCasesCli(argv, deps) };
}

describe('npm run cases', () => {
  it('lists with filters and prints a table, the amounts in major units, and the next cursor', async () => {
    const c = cli();
    expect(await c.run('list', '--status', 'open', '--merchant', 'mer_1', '--limit', '5')).toBe(0);
    expect(c.calls).toEqual([
      {
        method: 'listCases',
        request: {
          status: CaseStatus.CASE_STATUS_OPEN,
          merchantId: 'mer_1',
          paymentId: '',
          pageSize: 5,
          pageToken: '',
        },
      },
    ]);
    expect(c.out[0]).toMatch(
      /^ID\s+STATUS\s+KIND\s+PAYMENT\s+AMOUNT\s+EXPECTED\s+PROVIDER\s+CREATED$/,
    );
    expect(c.out[1]).toMatch(
      /^case_1\s+open\s+amount_mismatch\s+pay_1\s+15\.00 USD\s+19\.99 USD\s+webmoney\s+2026-12-06 09:00:00Z$/,
    );
    expect(c.out.at(-1)).toBe('More cases: add --cursor tok_2');
  });

  it('shows a case with its money in minor units too, and exits 1 on a refusal with the code', async () => {
    const c = cli();
    expect(await c.run('show', 'case_1')).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/Amount\s+15\.00 USD \(1500 minor units\)/);
    expect(text).toMatch(/Provider ref\s+908070/);
    expect(text).toMatch(/Attributes\s+payer_purse=Z1, payer_wmid=123456789012/);
    expect(text).toContain('Audit trail:');
    expect(await c.run('show', 'case_2')).toBe(1);
    expect(c.err).toEqual(['refused: CASE_NOT_FOUND: case case_2 not found']);
    expect(await c.run('apply', 'case_1', '--operator', 'ann')).toBe(1);
    expect(c.err.at(-1)).toBe('refused: CASE_ALREADY_RESOLVED: case case_1 was already returned');
  });

  it('returns with the operator, reference and note', async () => {
    const c = cli();
    const code = await c.run(
      'return',
      'case_1',
      '--operator',
      ' ann ',
      '--reference',
      'wm-9',
      '--note',
      'asked',
    );
    expect(code).toBe(0);
    expect(c.calls.at(-1)).toEqual({
      method: 'returnCase',
      request: { caseId: 'case_1', operator: 'ann', note: 'asked', returnReference: 'wm-9' },
    });
    expect(c.out[0]).toBe('Case case_1 is recorded as returned to the payer.');
  });

  it('exits 2 on usage errors, asking checkout nothing', async () => {
    const c = cli();
    for (const argv of [
      [],
      ['frob'],
      ['show'],
      ['show', 'case_1', 'case_2'],
      ['apply', 'case_1'],
      ['apply', 'case_1', '--operator', ' '],
      ['return', 'case_1', '--operator', 'ann'],
      ['list', '--status', 'closed'],
      ['list', '--limit', '0'],
      ['list', '--limit', '1.5'],
      ['list', '--operator', 'ann'],
      ['list', '--bogus'],
    ]) {
      expect(await c.run(...argv), argv.join(' ')).toBe(2);
    }
    expect(c.calls).toHaveLength(0);
    expect(c.err.some((l) => l.startsWith('Usage: npm run cases'))).toBe(true);
    expect(await c.run('--help')).toBe(0);
  });

  it('says checkout is unreachable (exit 1) when the transport fails', async () => {
    const c = cli();
    c.deps.cases.listCases = async () => {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'connect ECONNREFUSED');
    };
    expect(await c.run('list')).toBe(1);
    expect(c.err).toEqual([
      'unreachable: checkout at 127.0.0.1:50051 did not answer (UPSTREAM_UNAVAILABLE)',
    ]);
  });
});

import { ReconcileResponse } from '@tolem/contracts/checkout';
import { Provider } from '@tolem/contracts/common';
import { DomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { type ReconcileCliDeps, runReconcileCli } from './reconcile.cli';

function cli(answer: ReconcileResponse | Error, acknowledged: boolean | Error = false) {
  const out: string[] = [];
  const err: string[] = [];
  let calls = 0;
  const acks: unknown[] = [];
  const deps: ReconcileCliDeps = {
    checkoutAddr: '127.0.0.1:50051',
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    reconciler: {
      reconcile: async () => {
        calls += 1;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      acknowledgeDifference: async (request) => {
        acks.push(request);
        if (acknowledged instanceof Error) throw acknowledged;
        return { alreadyAcknowledged: acknowledged };
      },
    },
  };
  return { deps, out, err, acks, calls: () => calls };
}

const clean = ReconcileResponse.fromPartial({
  settledSeen: 3,
  applied: 1,
  alreadyConsistent: 2,
  statusQueriesAsked: 1,
  statusQueriesUnsupported: 1,
});

describe('reconcile CLI', () => {
  it('prints the counts of the pass and exits 0 when everything is explained', async () => {
    const c = cli(clean);
    expect(await runReconcileCli([], c.deps)).toBe(0);
    expect(c.out.join('\n')).toMatch(/settled transactions seen\s+3/);
    expect(c.out.join('\n')).toMatch(/applied \(payment succeeded\)\s+1/);
    expect(c.out.join('\n')).toMatch(/provider has no status query\s+1/);
    expect(c.out.join('\n')).toMatch(/unexplained\s+0/);
    expect(c.err).toEqual([]);
  });

  it('lists each unexplained difference and exits 1', async () => {
    const c = cli(
      ReconcileResponse.fromPartial({
        ...clean,
        unexplained: [
          {
            code: 'RECONCILE_UNKNOWN_PAYMENT',
            paymentId: 'pay_x',
            provider: Provider.PROVIDER_WEBMONEY,
            providerPaymentId: '9001',
            detail: 'settled for a payment checkout does not have',
            transactionId: 'ptx_1',
          },
        ],
      }),
    );
    expect(await runReconcileCli([], c.deps)).toBe(1);
    expect(c.out).toContainEqual(
      expect.stringMatching(/RECONCILE_UNKNOWN_PAYMENT {2}ptx_1 {2}pay_x {2}webmoney {2}9001/),
    );
    expect(c.err.join('\n')).toContain('1 unexplained difference');
  });

  it('exits 1 when checkout cannot be reached or refuses, naming why', async () => {
    const down = cli(new DomainError('UPSTREAM_UNAVAILABLE', 'unavailable', 'no connection'));
    expect(await runReconcileCli([], down.deps)).toBe(1);
    expect(down.err.join('\n')).toContain('unreachable: checkout at 127.0.0.1:50051');
    const refused = cli(new DomainError('PROVIDER_INVALID_REQUEST', 'invalid', 'bad cursor'));
    expect(await runReconcileCli([], refused.deps)).toBe(1);
    expect(refused.err.join('\n')).toContain('refused: PROVIDER_INVALID_REQUEST');
  });

  it('exits 2 on unknown arguments without running a pass, and 0 for --help', async () => {
    const bad = cli(clean);
    expect(await runReconcileCli(['--fix'], bad.deps)).toBe(2);
    expect(await runReconcileCli(['extra'], bad.deps)).toBe(2);
    expect(bad.calls()).toBe(0);
    expect(bad.err.join('\n')).toContain('Usage: npm run reconcile');
    const help = cli(clean);
    expect(await runReconcileCli(['--help'], help.deps)).toBe(0);
    expect(help.calls()).toBe(0);
  });

  it('acknowledges one difference with the operator and note, without running a pass', async () => {
    const c = cli(clean);
    const args = ['acknowledge', 'ptx_1', '--operator', 'ops-ana', '--note', 'returned: WM-77'];
    expect(await runReconcileCli(args, c.deps)).toBe(0);
    expect(c.acks).toEqual([
      { transactionId: 'ptx_1', operator: 'ops-ana', note: 'returned: WM-77' },
    ]);
    expect(c.out).toEqual(['ptx_1 acknowledged by ops-ana']);
    expect(c.calls()).toBe(0);

    const again = cli(clean, true);
    expect(await runReconcileCli(args, again.deps)).toBe(0);
    expect(again.out).toEqual(['ptx_1 was acknowledged already']);

    const unknown = cli(
      clean,
      new DomainError('RECONCILE_DIFFERENCE_NOT_FOUND', 'not_found', 'no such difference'),
    );
    expect(await runReconcileCli(args, unknown.deps)).toBe(1);
    expect(unknown.err.join('\n')).toContain('refused: RECONCILE_DIFFERENCE_NOT_FOUND');
  });

  it('refuses an acknowledgement without an operator or id as a usage error', async () => {
    const c = cli(clean);
    expect(await runReconcileCli(['acknowledge', 'ptx_1'], c.deps)).toBe(2);
    expect(await runReconcileCli(['acknowledge', '--operator', 'ops'], c.deps)).toBe(2);
    expect(await runReconcileCli(['--operator', 'ops'], c.deps)).toBe(2);
    expect(c.acks).toEqual([]);
    expect(c.calls()).toBe(0);
  });
});

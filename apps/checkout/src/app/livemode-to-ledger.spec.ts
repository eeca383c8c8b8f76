import { describe, expect, it } from 'vitest';

import { callback, rawRequest } from '../../test/fakes/in-memory';
import { world } from '../../test/fakes/world';
import { caseKeys } from '../domain/case';
import { ledgerKeyOf } from '../domain/payment';
import { statusEventKeyOf } from './record-status-events';

/** A started payment of the given mode, whose provider reports success. */
async function started(livemode: boolean) {
  const w = world();
  const { payment } = await w.created({ livemode });
  await w.startPayment({
    paymentId: payment.id,
    pageSecret: payment.pageSecret,
    method: 'webmoney_purse',
    payer: {},
  });
  const succeeded = callback({
    paymentId: payment.id,
    amount: { amountMinor: 10_000n, currency: 'USD' },
  });
  return { w, payment, succeeded };
}

describe('the payment’s livemode on every ledger call that makes its events', () => {
  it.each([false, true])(
    'sends livemode %s with its status facts and its posting',
    async (livemode) => {
      const { w, payment, succeeded } = await started(livemode);
      w.provider.nextCallback = succeeded;
      await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      expect([...w.ledger.livemodes]).toEqual([
        [statusEventKeyOf(payment.id, '2'), livemode],
        [ledgerKeyOf(payment.id), livemode],
      ]);
    },
  );

  it.each([false, true])(
    'sends livemode %s when a case holds the payment’s money',
    async (livemode) => {
      const { w, payment, succeeded } = await started(livemode);
      w.provider.nextCallback = { ...succeeded, amount: { amountMinor: 9_999n, currency: 'USD' } };
      await w.handleCallback({ provider: 'webmoney', request: rawRequest });
      const [opened] = [...w.caseRepo.rows.values()];
      expect(opened?.paymentId).toBe(payment.id);
      expect(w.ledger.livemodes.get(caseKeys.hold(opened?.id ?? ''))).toBe(livemode);
    },
  );
});

import { describe, expect, it } from 'vitest';

import { requireSameMode } from './livemode';

describe('requireSameMode', () => {
  it("lets a key of the object's mode (or no mode: an operator) through", () => {
    expect(() => requireSameMode('payment', 'pay_1', true, true)).not.toThrow();
    expect(() => requireSameMode('payment', 'pay_1', false, false)).not.toThrow();
    expect(() => requireSameMode('refund', 're_1', true, undefined)).not.toThrow();
  });

  it("answers a key of the other mode with the object's NOT_FOUND and Stripe's hint", () => {
    expect(() => requireSameMode('payment', 'pay_1', true, false)).toThrow(
      expect.objectContaining({
        code: 'PAYMENT_NOT_FOUND',
        kind: 'not_found',
        message:
          "No such payment: 'pay_1'; a similar object exists in live mode, but a test mode key " +
          'was used to make this request.',
      }),
    );
    expect(() => requireSameMode('refund', 're_1', false, true)).toThrow(
      expect.objectContaining({
        code: 'REFUND_NOT_FOUND',
        kind: 'not_found',
        message:
          "No such refund: 're_1'; a similar object exists in test mode, but a live mode key " +
          'was used to make this request.',
      }),
    );
  });
});

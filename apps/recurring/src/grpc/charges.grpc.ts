import {
  AdvanceTestClockResponse,
  type Charge as PbCharge,
  ChargeState as PbChargeState,
  ListChargesResponse,
  type RecurringServiceService,
} from '@tolem/contracts/recurring';
import type { Handlers } from '@tolem/grpc-kit';

import { recurringErrors } from '../domain/errors';
import type { Charge, ChargesReader, ChargeState } from '../scheduler/charges.repo';
import type { Scheduler } from '../scheduler/scheduler';
import type { TestClock } from '../scheduler/test-clock';

const STATES: Record<ChargeState, PbChargeState> = {
  pending: PbChargeState.CHARGE_STATE_PENDING,
  retrying: PbChargeState.CHARGE_STATE_RETRYING,
  succeeded: PbChargeState.CHARGE_STATE_SUCCEEDED,
  abandoned: PbChargeState.CHARGE_STATE_ABANDONED,
  failed: PbChargeState.CHARGE_STATE_FAILED,
  skipped: PbChargeState.CHARGE_STATE_SKIPPED,
};

function stateFromProto(value: PbChargeState): ChargeState | null {
  const found = (Object.entries(STATES) as [ChargeState, PbChargeState][]).find(
    ([, pb]) => pb === value,
  );
  return found ? found[0] : null;
}

/** 100 years of 365.25 days. */
const MAX_TEST_CLOCK_ADVANCE_MS = 3_155_760_000_000;

export function chargeToProto(c: Charge): PbCharge {
  return {
    id: c.id,
    operationId: c.operationId,
    merchantId: c.merchantId,
    scheduledAt: c.scheduledAt,
    state: STATES[c.state],
    amount: { amountMinor: c.amount.amountMinor, currency: c.amount.currency },
    attempts: c.attempts.map((a) => ({
      number: a.number,
      paymentId: a.paymentId,
      attemptedAt: a.attemptedAt,
      outcome: a.outcome,
      declineCode: a.declineCode,
      declineKind: a.declineKind,
      reasonCode: a.reasonCode,
    })),
    ...(c.nextAttemptAt ? { nextAttemptAt: c.nextAttemptAt } : {}),
    receiptId: c.receiptId,
    paymentId: c.state === 'succeeded' ? c.paymentId : '',
    operationVersion: c.operationVersion,
  };
}

const DEFAULT_PAGE = 10;
const MAX_PAGE = 100;

export interface ChargesHandlerDeps {
  charges: ChargesReader;
  scheduler: Pick<Scheduler, 'runPass'>;
  /** Set only with RECURRING_TEST_CLOCK=true: the clock the scheduler runs on. */
  testClock: TestClock | null;
}

const invalid = (field: string, message: string) =>
  recurringErrors.create('RECURRING_INVALID_REQUEST', message, { details: { field } });

/** ListCharges and AdvanceTestClock; recurring.grpc.ts spreads them into RecurringService. */
export function chargesHandlers(
  deps: ChargesHandlerDeps,
): Pick<Handlers<typeof RecurringServiceService>, 'listCharges' | 'advanceTestClock'> {
  return {
    async listCharges(req) {
      if (!req.merchantId) throw invalid('merchant_id', 'merchant_id is required');
      if (!req.operationId) throw invalid('operation_id', 'operation_id is required');
      // 0 is proto's unset: the default page.
      const limit = req.limit === 0 ? DEFAULT_PAGE : req.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        throw invalid('limit', `limit must be 1..${MAX_PAGE}`);
      }
      if (req.startingAfter && req.endingBefore) {
        throw invalid('ending_before', 'send starting_after or ending_before, not both');
      }
      if (!(await deps.charges.operationExists(req.merchantId, req.operationId, req.livemode))) {
        throw recurringErrors.create(
          'RECURRING_OPERATION_NOT_FOUND',
          'no such scheduled operation',
          {
            details: { field: 'operation_id' },
          },
        );
      }
      const state =
        req.state === PbChargeState.CHARGE_STATE_UNSPECIFIED ? null : stateFromProto(req.state);
      let anchor: { direction: 'after' | 'before'; scheduledAt: Date; id: string } | null = null;
      const cursor = req.startingAfter || req.endingBefore;
      if (cursor) {
        const field = req.startingAfter ? 'starting_after' : 'ending_before';
        const position = await deps.charges.positionOf(req.operationId, cursor);
        if (!position) throw invalid(field, `${field} is not one of this operation's charges`);
        anchor = { direction: req.startingAfter ? 'after' : 'before', ...position };
      }
      const rows = await deps.charges.list(
        {
          merchantId: req.merchantId,
          operationId: req.operationId,
          limit,
          startingAfter: req.startingAfter,
          endingBefore: req.endingBefore,
          state,
        },
        anchor,
        limit + 1,
      );
      const hasMore = rows.length > limit;
      const page =
        anchor?.direction === 'before' ? rows.slice(0, limit).reverse() : rows.slice(0, limit);
      return ListChargesResponse.fromPartial({ charges: page.map(chargeToProto), hasMore });
    },

    async advanceTestClock(req) {
      if (!deps.testClock) {
        throw recurringErrors.create(
          'RECURRING_TEST_CLOCK_DISABLED',
          'the service runs on the real clock (RECURRING_TEST_CLOCK is not true)',
        );
      }
      const ms = Number(req.advanceMs);
      // At most a century a call: a clock moved past any storable time broke every later pass.
      if (!Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_TEST_CLOCK_ADVANCE_MS)
        throw invalid('advance_ms', `advance_ms must be 1..${MAX_TEST_CLOCK_ADVANCE_MS}`);
      const now = deps.testClock.advance(ms);
      const pass = await deps.scheduler.runPass();
      return AdvanceTestClockResponse.fromPartial({ now, chargesAttempted: pass.attempted });
    },
  };
}

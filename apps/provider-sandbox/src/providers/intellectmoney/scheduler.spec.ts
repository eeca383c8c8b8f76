import { describe, expect, it } from 'vitest';

import {
  addPeriods,
  afterRun,
  createOperationStore,
  isDue,
  nextOccurrence,
  type OperationDefinition,
  parseEndExecDate,
  parseRepeatPlan,
  parseRetryPlan,
} from './scheduler';

const NOW = new Date('2025-06-15T12:00:00Z');

function definition(overrides: Partial<OperationDefinition> = {}): OperationDefinition {
  const plan = parseRepeatPlan(
    '{"StartAt":"2025-06-15T12:00:00+00:00","PeriodLength":1,"PeriodType":"Month"}',
  );
  if (plan === undefined) throw new Error('plan');
  return {
    userToken: 't',
    objectId: '3000000001',
    objectTypeVal: '1',
    paramsJson: '{"Amount":"100"}',
    amountMinor: 10000n,
    repeatPlanText: '',
    plan,
    retryOnFailPlanText: '',
    retryPlan: { periodLength: 5, periodType: 'Minute' },
    retryOnFailCount: 2,
    isSingle: false,
    fireOnSkip: false,
    state: 0,
    endExecDateText: '',
    ...overrides,
  };
}

describe('plans', () => {
  it('parses JSON and cron repeat plans and refuses nonsense', () => {
    expect(
      parseRepeatPlan(
        '{"StartAt":"2025-01-01T12:00:00+00:00","PeriodLength":1,"PeriodType":"Day"}',
      ),
    ).toEqual({
      kind: 'periodic',
      startAt: new Date('2025-01-01T12:00:00Z'),
      periodLength: 1,
      periodType: 'Day',
    });
    expect(parseRepeatPlan('0 0 12 1/4 * ? *')).toEqual({
      kind: 'cron',
      expression: '0 0 12 1/4 * ? *',
    });
    expect(
      parseRepeatPlan('{"StartAt":"never","PeriodLength":1,"PeriodType":"Day"}'),
    ).toBeUndefined();
    expect(
      parseRepeatPlan('{"StartAt":"2025-01-01","PeriodLength":0,"PeriodType":"Day"}'),
    ).toBeUndefined();
    expect(parseRepeatPlan('daily')).toBeUndefined();
    expect(parseRetryPlan('{"PeriodLength":5,"PeriodType":"minute"}')).toEqual({
      periodLength: 5,
      periodType: 'Minute',
    });
    expect(parseEndExecDate('01.01.2030')).toEqual(new Date('2030-01-01T23:59:59Z'));
    expect(parseEndExecDate('31.02.2030')).toBeUndefined();
  });

  it('computes occurrences on the calendar', () => {
    expect(addPeriods(new Date('2025-01-31T00:00:00Z'), 1, 'Month')).toEqual(
      new Date('2025-03-03T00:00:00Z'),
    );
    const plan = {
      kind: 'periodic' as const,
      startAt: new Date('2020-01-01T00:00:00Z'),
      periodLength: 15,
      periodType: 'Minute' as const,
    };
    expect(nextOccurrence(plan, NOW)).toEqual(new Date('2025-06-15T12:15:00Z'));
    expect(nextOccurrence(plan, new Date('2019-01-01T00:00:00Z'))).toEqual(plan.startAt);
  });
});

describe('scheduled operation lifecycle', () => {
  it('fires at StartAt, then monthly; soft declines retry RetryOnFailCount times', () => {
    const ops = createOperationStore(() => 'op-1');
    const op = ops.create(definition(), NOW);
    expect(isDue(op, NOW)).toBe(true);
    afterRun(op, { at: NOW, orderId: 'op-1-1', responseCode: '00' }, NOW);
    expect(op.nextRunAt).toEqual(new Date('2025-07-15T12:00:00Z'));

    afterRun(op, { at: NOW, orderId: 'op-1-2', responseCode: '51' }, NOW);
    expect(op.nextRunAt).toEqual(new Date('2025-06-15T12:05:00Z'));
    afterRun(op, { at: NOW, orderId: 'op-1-3', responseCode: '51' }, NOW);
    expect(op.retriesLeft).toBe(0);
    afterRun(op, { at: NOW, orderId: 'op-1-4', responseCode: '51' }, NOW);
    expect(op.nextRunAt).toEqual(new Date('2025-07-15T12:00:00Z'));
    expect(op.retriesLeft).toBe(2);
  });

  it('stops after a hard decline, a single run, or the end date', () => {
    const ops = createOperationStore(() => 'op');
    const hard = ops.create(definition(), NOW);
    afterRun(hard, { at: NOW, orderId: 'x', responseCode: '57' }, NOW);
    expect(hard.state).toBe(2);
    expect(isDue(hard, new Date('2030-01-01'))).toBe(false);

    const single = ops.create(definition({ isSingle: true }), NOW);
    afterRun(single, { at: NOW, orderId: 'y', responseCode: '00' }, NOW);
    expect(single.nextRunAt).toBeUndefined();

    const ending = ops.create(definition({ endExecDate: new Date('2025-07-01T23:59:59Z') }), NOW);
    afterRun(ending, { at: NOW, orderId: 'z', responseCode: '00' }, NOW);
    expect(ending.nextRunAt).toBeUndefined();
  });

  it('skips a StartAt in the past unless FireOnSkip or IsSingle; cron plans wait for the test API', () => {
    const ops = createOperationStore(() => 'op');
    const later = new Date('2025-06-20T00:00:00Z');
    expect(ops.create(definition(), later).nextRunAt).toEqual(new Date('2025-07-15T12:00:00Z'));
    expect(ops.create(definition({ fireOnSkip: true }), later).nextRunAt).toEqual(NOW);
    expect(ops.create(definition({ isSingle: true }), later).nextRunAt).toEqual(NOW);
    const cron = parseRepeatPlan('0 0 12 1/4 * ? *');
    if (cron === undefined) throw new Error('cron');
    expect(ops.create(definition({ plan: cron }), NOW).nextRunAt).toBeUndefined();
    const paused = ops.create(definition({ state: 1 }), NOW);
    expect(isDue(paused, NOW)).toBe(false);
  });
});

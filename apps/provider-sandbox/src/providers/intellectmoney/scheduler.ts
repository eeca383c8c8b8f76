import { randomUUID } from 'node:crypto';

import type { Logger } from '@tolem/observability';

import type { ResponseCode } from './cards';

export type PeriodType = 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month' | 'Year';
const PERIOD_TYPES: readonly PeriodType[] = ['Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'];

/**
 * RepeatPlan: the newer JSON form `{"StartAt":…,"PeriodLength":n,"PeriodType":"Day"}` runs on the
 * sandbox's clock; the older Quartz cron string is kept as given and fires only through the test
 * API (the sandbox does not evaluate cron).
 */
export type RepeatPlan =
  | { kind: 'periodic'; startAt: Date; periodLength: number; periodType: PeriodType }
  | { kind: 'cron'; expression: string };

/** RetryOnFailPlan: JSON `{"PeriodLength":5,"PeriodType":"Minute"}`, or cron (then 5 minutes). */
export interface RetryPlan {
  periodLength: number;
  periodType: PeriodType;
}

export const DEFAULT_RETRY: RetryPlan = { periodLength: 5, periodType: 'Minute' };

function periodType(value: unknown): PeriodType | undefined {
  if (typeof value !== 'string') return undefined;
  return PERIOD_TYPES.find((p) => p.toLowerCase() === value.toLowerCase());
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number.parseInt(value, 10) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 10_000 ? n : undefined;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trim().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Undefined when the text is neither a valid JSON plan nor a cron-looking string. */
export function parseRepeatPlan(text: string): RepeatPlan | undefined {
  const json = jsonObject(text);
  if (json !== undefined) {
    const startAt = typeof json['StartAt'] === 'string' ? new Date(json['StartAt']) : undefined;
    const length = positiveInt(json['PeriodLength']);
    const type = periodType(json['PeriodType']);
    if (startAt === undefined || Number.isNaN(startAt.getTime()) || !length || !type) {
      return undefined;
    }
    return { kind: 'periodic', startAt, periodLength: length, periodType: type };
  }
  const fields = text.trim().split(/\s+/);
  return fields.length >= 6 && fields.length <= 7
    ? { kind: 'cron', expression: text.trim() }
    : undefined;
}

export function parseRetryPlan(text: string): RetryPlan | undefined {
  const json = jsonObject(text);
  if (json === undefined) return text.trim().split(/\s+/).length >= 6 ? DEFAULT_RETRY : undefined;
  const length = positiveInt(json['PeriodLength']);
  const type = periodType(json['PeriodType']);
  return length && type ? { periodLength: length, periodType: type } : undefined;
}

/** The instant `n` periods after `from`; months and years on the UTC calendar. */
export function addPeriods(from: Date, n: number, type: PeriodType): Date {
  const d = new Date(from.getTime());
  switch (type) {
    case 'Minute':
      return new Date(d.getTime() + n * 60_000);
    case 'Hour':
      return new Date(d.getTime() + n * 3_600_000);
    case 'Day':
      return new Date(d.getTime() + n * 86_400_000);
    case 'Week':
      return new Date(d.getTime() + n * 7 * 86_400_000);
    case 'Month':
      d.setUTCMonth(d.getUTCMonth() + n);
      return d;
    case 'Year':
      d.setUTCFullYear(d.getUTCFullYear() + n);
      return d;
  }
}

/** The first occurrence of a periodic plan strictly after `after`, never before StartAt. */
export function nextOccurrence(plan: Extract<RepeatPlan, { kind: 'periodic' }>, after: Date): Date {
  if (plan.startAt.getTime() > after.getTime()) return plan.startAt;
  let low = 0;
  let high = 1;
  const at = (k: number) => addPeriods(plan.startAt, k * plan.periodLength, plan.periodType);
  while (at(high).getTime() <= after.getTime()) high *= 2;
  // Binary search keeps a years-old StartAt with minute periods cheap.
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (at(mid).getTime() <= after.getTime()) low = mid;
    else high = mid;
  }
  return at(high);
}

/** `dd.mm.yyyy` (EndExecDate): the end of that day, UTC. */
export function parseEndExecDate(text: string): Date | undefined {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text.trim());
  if (m === null) return undefined;
  const [day, month, year] = [m[1], m[2], m[3]].map((v) => Number.parseInt(v as string, 10)) as [
    number,
    number,
    number,
  ];
  const end = new Date(Date.UTC(year, month - 1, day, 23, 59, 59));
  return end.getUTCDate() === day && end.getUTCMonth() === month - 1 ? end : undefined;
}

/** One run of a scheduled operation: the charge it made and the issuer's answer. */
export interface OperationRun {
  at: Date;
  orderId: string;
  paymentId?: string;
  responseCode?: ResponseCode;
  /** Set when the charge was refused before the issuer (binding cancelled, attempts exhausted). */
  refused?: string;
}

/** A scheduled operation (СКО по расписанию) as setScheduledOperationData defined it. */
export interface ScheduledOperation {
  /** The CronOperationId (GUID) returned on creation; `Operation` on edits. */
  id: string;
  createdAt: Date;
  updatedAt: Date;
  userToken: string;
  /** The source invoice, i.e. the card binding charged. */
  objectId: string;
  objectTypeVal: string;
  paramsJson: string;
  amountMinor: bigint;
  repeatPlanText: string;
  plan: RepeatPlan;
  retryOnFailPlanText: string;
  retryPlan: RetryPlan;
  retryOnFailCount: number;
  isSingle: boolean;
  fireOnSkip: boolean;
  /** 0 active; anything else pauses it. Set to 2 after a hard decline cancelled the binding. */
  state: number;
  endExecDateText: string;
  endExecDate?: Date;
  /** When the sandbox fires it next; undefined for cron plans and finished operations. */
  nextRunAt?: Date;
  /** Retries left for the current failed run (RetryOnFailCount, reset on every regular run). */
  retriesLeft: number;
  runs: OperationRun[];
}

export type OperationDefinition = Omit<
  ScheduledOperation,
  'id' | 'createdAt' | 'updatedAt' | 'nextRunAt' | 'retriesLeft' | 'runs'
>;

export interface OperationStore {
  create(definition: OperationDefinition, now: Date): ScheduledOperation;
  /** Replaces the definition of an existing operation, keeping its id and runs. */
  update(id: string, definition: OperationDefinition, now: Date): ScheduledOperation | undefined;
  get(id: string): ScheduledOperation | undefined;
  all(): ScheduledOperation[];
}

/** The first regular run: StartAt (or the next occurrence when FireOnSkip is off and it passed). */
function firstRun(op: OperationDefinition, now: Date): Date | undefined {
  if (op.plan.kind !== 'periodic') return undefined;
  if (op.plan.startAt.getTime() >= now.getTime() || op.fireOnSkip || op.isSingle) {
    return op.plan.startAt;
  }
  return nextOccurrence(op.plan, now);
}

export function createOperationStore(newId: () => string = randomUUID): OperationStore {
  const ops = new Map<string, ScheduledOperation>();
  return {
    create(definition, now) {
      const op: ScheduledOperation = {
        ...definition,
        id: newId(),
        createdAt: now,
        updatedAt: now,
        retriesLeft: definition.retryOnFailCount,
        runs: [],
      };
      const next = firstRun(definition, now);
      if (next !== undefined) op.nextRunAt = next;
      ops.set(op.id, op);
      return op;
    },
    update(id, definition, now) {
      const op = ops.get(id);
      if (op === undefined) return undefined;
      Object.assign(op, definition, { updatedAt: now, retriesLeft: definition.retryOnFailCount });
      const next = firstRun(definition, now);
      if (next === undefined) delete op.nextRunAt;
      else op.nextRunAt = next;
      return op;
    },
    get: (id) => ops.get(id),
    all: () => [...ops.values()],
  };
}

/**
 * After a run: an approved or hard-declined run moves to the next regular occurrence (none for
 * IsSingle); a soft decline is retried after RetryOnFailPlan while retries are left.
 */
export function afterRun(op: ScheduledOperation, run: OperationRun, now: Date): void {
  op.runs.push(run);
  const soft =
    run.responseCode !== undefined && ['05', '51', '61', '65'].includes(run.responseCode);
  if (run.refused === 'binding_cancelled' || ['14', '54', '57'].includes(run.responseCode ?? '')) {
    op.state = 2;
    delete op.nextRunAt;
    return;
  }
  if (soft && op.retriesLeft > 0) {
    op.retriesLeft -= 1;
    op.nextRunAt = addPeriods(now, op.retryPlan.periodLength, op.retryPlan.periodType);
    return;
  }
  op.retriesLeft = op.retryOnFailCount;
  if (op.isSingle || op.plan.kind !== 'periodic') {
    delete op.nextRunAt;
    return;
  }
  const next = nextOccurrence(op.plan, now);
  if (op.endExecDate !== undefined && next.getTime() > op.endExecDate.getTime())
    delete op.nextRunAt;
  else op.nextRunAt = next;
}

/** True when the operation should fire now. */
export function isDue(op: ScheduledOperation, now: Date): boolean {
  if (op.state !== 0 || op.nextRunAt === undefined) return false;
  if (op.endExecDate !== undefined && op.nextRunAt.getTime() > op.endExecDate.getTime())
    return false;
  return op.nextRunAt.getTime() <= now.getTime();
}

/**
 * Fires due operations on a timer, one at a time per operation (a run that is still charging is
 * not fired again).
 */
export function startScheduler(deps: {
  operations: OperationStore;
  fire: (op: ScheduledOperation) => Promise<void>;
  clock: () => Date;
  log: Logger;
  tickMs?: number;
}): { stop(): void } {
  const running = new Set<string>();
  const timer = setInterval(() => {
    const now = deps.clock();
    for (const op of deps.operations.all()) {
      if (running.has(op.id) || !isDue(op, now)) continue;
      running.add(op.id);
      deps
        .fire(op)
        .catch((err: unknown) =>
          deps.log.error({ err, operation: op.id }, 'scheduled operation failed'),
        )
        .finally(() => running.delete(op.id));
    }
  }, deps.tickMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

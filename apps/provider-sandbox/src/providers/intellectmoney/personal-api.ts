import { isDomainError } from '@tolem/errors';

import { sameSecret } from '../../compare';
import { minorFromDecimal } from '../../decimal';
import { parseFormBody } from '../../form-body';
import { RESPONSE_TEXT } from './cards';
import type { InvoiceStore } from './invoices';
import type { IntellectmoneyPayments } from './payments';
import {
  afterRun,
  DEFAULT_RETRY,
  type OperationDefinition,
  type OperationStore,
  parseEndExecDate,
  parseRepeatPlan,
  parseRetryPlan,
  type ScheduledOperation,
} from './scheduler';
import { type PersonalMethod, personalSign, sameHex } from './signing';

/**
 * IntellectMoney Personal API as the sandbox plays it (protocols.md §3.5).
 *
 * Requests: POST, JSON (`application/json`) or form-urlencoded UTF-8 bodies; field names match
 * case-insensitively. Headers `Authorization: Bearer <SANDBOX_INTELLECTMONEY_BEARER_TOKEN>` and
 * `Sign: <hex sha256 of the method's pattern, values joined with "::", SignSecretKey last>`.
 * JSON values are signed as text: strings as sent, numbers as JSON writes them, true/false as
 * "1"/"" (PHP string conversion), null as "", objects (e.g. ParamsJson sent as an object) as
 * compact JSON.
 *
 * Answers: JSON `{"OperationState":{"Code":0,"Desc":"OK"},"Result":{"State":{"Code":…,"Desc":…},…}}`
 * (the envelope of IntellectMoney's SDK). Wrong bearer: HTTP 401, wrong or missing Sign: HTTP 403,
 * unreadable body: HTTP 400, each with OperationState.Code = the HTTP status and Result null.
 * Request-level outcomes come with HTTP 200 and Result.State.Code: 0 OK, 1 invalid field (Desc
 * names it), 2 no activated binding for ObjectId, 3 unknown Operation, 4 binding cancelled after a
 * hard decline, 5 four soft declines within 16 days (attempts stopped), 6 OrderId conflict.
 *
 * Methods (paths under /intellectmoney/personal/):
 * - scheduler/setScheduledOperationData — create (no Operation) or edit (Operation = the id) a
 *   scheduled charge of a bound card; Result.Operation and Result.CronOperationId carry the id.
 * - scheduler/getScheduledOperationData — list (Skip, Take, filters Operation, ObjectId, State,
 *   DateFrom, DateTo on the creation date); Result.Operations, Result.TotalCount.
 * - recurring/chargeBoundCard — the sandbox's own method (IntellectMoney publishes none): charge a
 *   bound card now. Fields UserToken, ObjectId (binding = paymentId that bound the card), OrderId,
 *   Amount (decimal), ServiceName; Sign pattern `UserToken::ObjectId::OrderId::Amount::ServiceName`.
 *   Result: PaymentId, OrderId, RecipientAmount, RecipientCurrency, PaymentStep (0 Ok, 10 Error),
 *   RcCode (`00` or the decline code), Message, Replayed; the notification is sent too.
 */

export const STATE = Object.freeze({
  ok: 0,
  invalid: 1,
  bindingNotFound: 2,
  operationNotFound: 3,
  bindingCancelled: 4,
  attemptsExhausted: 5,
  orderConflict: 6,
});

/** An answer of the Personal API: HTTP status and JSON body. */
export interface PersonalAnswer {
  httpStatus: number;
  body: {
    OperationState: { Code: number; Desc: string };
    Result: Record<string, unknown> | null;
  };
}

export function transportError(httpStatus: number, desc: string): PersonalAnswer {
  return { httpStatus, body: { OperationState: { Code: httpStatus, Desc: desc }, Result: null } };
}

function answer(code: number, desc: string, result: Record<string, unknown> = {}): PersonalAnswer {
  return {
    httpStatus: 200,
    body: {
      OperationState: { Code: 0, Desc: 'OK' },
      Result: { State: { Code: code, Desc: desc }, ...result },
    },
  };
}

/** Request values by lowercased field name, as text (see the module comment for JSON values). */
export type PersonalValues = ReadonlyMap<string, string>;

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Reads a JSON object or a form body; undefined when it is neither. */
export function readPersonalValues(body: unknown): PersonalValues | undefined {
  const values = new Map<string, string>();
  if (Buffer.isBuffer(body)) {
    for (const [name, value] of parseFormBody(body, 'utf-8')) {
      if (!values.has(name.toLowerCase())) values.set(name.toLowerCase(), value);
    }
    return values;
  }
  if (body === undefined || body === null) return values;
  if (typeof body !== 'object' || Array.isArray(body)) return undefined;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    values.set(name.toLowerCase(), textOf(value));
  }
  return values;
}

/**
 * Bearer token, then Sign over the method's pattern. Undefined when both hold, else the answer to
 * send. Never says which part of a Sign was wrong.
 */
export function authenticate(
  method: PersonalMethod,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  values: PersonalValues,
  credentials: { bearerToken: string; signSecretKey: string },
): PersonalAnswer | undefined {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization')?.trim() ?? '')?.[1]?.trim();
  if (bearer === undefined || !sameSecret(credentials.bearerToken, bearer)) {
    return transportError(401, 'Unauthorized: missing or wrong Bearer token');
  }
  const sign = header('sign')?.trim();
  const expected = personalSign(
    method,
    (name) => values.get(name.toLowerCase()) ?? '',
    credentials.signSecretKey,
  );
  if (sign === undefined || sign === '' || !sameHex(expected, sign)) {
    return transportError(403, 'Invalid Sign');
  }
  return undefined;
}

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function reader(values: PersonalValues) {
  const optional = (name: string) => {
    const v = values.get(name.toLowerCase())?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (name: string) => {
    const v = optional(name);
    if (v === undefined) throw new FieldError(name, 'required');
    return v;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const v = optional(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) throw new FieldError(name, 'must be an integer');
    const n = Number.parseInt(v, 10);
    if (n < min || n > max) throw new FieldError(name, `must be ${min} to ${max}`);
    return n;
  };
  const flag = (name: string) => {
    const v = (optional(name) ?? '0').toLowerCase();
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    throw new FieldError(name, 'must be 0 or 1');
  };
  const amount = (name: string, text: string) => {
    const minor = minorFromDecimal(text.trim(), 2);
    if (minor === undefined || minor <= 0n) {
      throw new FieldError(name, 'must be a positive amount with at most 2 decimals');
    }
    return minor;
  };
  return { optional, required, int, flag, amount };
}

function amountOfParams(paramsJson: string, read: ReturnType<typeof reader>): bigint {
  let params: unknown;
  try {
    params = JSON.parse(paramsJson);
  } catch {
    throw new FieldError('ParamsJson', 'must be a JSON object');
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new FieldError('ParamsJson', 'must be a JSON object');
  }
  const raw = (params as Record<string, unknown>)['Amount'];
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new FieldError('ParamsJson', 'Amount is required');
  }
  return read.amount('ParamsJson.Amount', String(raw));
}

/** `dd.mm.yyyy` or ISO 8601, for the list filters. */
function filterDate(text: string | undefined, field: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = parseEndExecDate(text) ?? new Date(text);
  if (Number.isNaN(date.getTime())) throw new FieldError(field, 'must be dd.mm.yyyy or ISO 8601');
  return date;
}

export function operationJson(op: ScheduledOperation) {
  return {
    Operation: op.id,
    CronOperationId: op.id,
    ObjectId: op.objectId,
    ObjectTypeVal: op.objectTypeVal,
    ParamsJson: op.paramsJson,
    RepeatPlan: op.repeatPlanText,
    RetryOnFailPlan: op.retryOnFailPlanText,
    RetryOnFailCount: op.retryOnFailCount,
    IsSingle: op.isSingle ? 1 : 0,
    FireOnSkip: op.fireOnSkip ? 1 : 0,
    State: op.state,
    EndExecDate: op.endExecDateText,
    CreateDate: op.createdAt.toISOString(),
    NextExecDate: op.nextRunAt?.toISOString() ?? null,
    Executions: op.runs.map((r) => ({
      Date: r.at.toISOString(),
      OrderId: r.orderId,
      PaymentId: r.paymentId ?? null,
      RcCode: r.responseCode ?? null,
      Refused: r.refused ?? null,
    })),
  };
}

export interface PersonalApiDeps {
  invoices: InvoiceStore;
  operations: OperationStore;
  payments: IntellectmoneyPayments;
  clock: () => Date;
}

/** The Personal API methods over already authenticated values. */
export function makePersonalApi(deps: PersonalApiDeps) {
  const { invoices, operations, payments, clock } = deps;

  /** Field errors become State 1; everything else propagates. */
  const guarded =
    (handler: (values: PersonalValues) => Promise<PersonalAnswer> | PersonalAnswer) =>
    async (values: PersonalValues): Promise<PersonalAnswer> => {
      try {
        return await handler(values);
      } catch (err) {
        if (err instanceof FieldError)
          return answer(STATE.invalid, err.message, { Field: err.field });
        if (isDomainError(err)) {
          if (err.code === 'INTELLECTMONEY_BINDING_NOT_FOUND') {
            return answer(STATE.bindingNotFound, err.message);
          }
          if (err.code === 'INTELLECTMONEY_ORDER_CONFLICT') {
            return answer(STATE.orderConflict, err.message);
          }
        }
        throw err;
      }
    };

  /**
   * Runs one charge of a scheduled operation and moves its schedule on. The scheduler records
   * the execution as soon as the issuer answered (awaitNotification false), as IntellectMoney
   * does: the shop's notification is delivered on its own, with its retries.
   */
  const fireOperation = async (
    op: ScheduledOperation,
    options: { awaitNotification?: boolean } = {},
  ): Promise<void> => {
    const orderId = `${op.id}-${op.runs.length + 1}`;
    const now = clock();
    try {
      const result = await payments.chargeBinding({
        bindingId: op.objectId,
        orderId,
        amountMinor: op.amountMinor,
        serviceName: `Scheduled operation ${op.id}`,
        cronOperationId: op.id,
        ...(options.awaitNotification === false ? { awaitNotification: false } : {}),
      });
      if (result.kind === 'refused') {
        afterRun(op, { at: now, orderId, refused: result.reason }, clock());
      } else {
        afterRun(
          op,
          {
            at: now,
            orderId,
            paymentId: result.invoice.paymentId,
            responseCode: result.responseCode,
          },
          clock(),
        );
      }
    } catch (err) {
      afterRun(op, { at: now, orderId, refused: (err as Error).message }, clock());
      op.state = 2;
      delete op.nextRunAt;
    }
  };

  const setScheduledOperationData = guarded((values) => {
    const read = reader(values);
    const userToken = read.required('UserToken');
    const operationId = read.optional('Operation');
    const objectId = read.required('ObjectId');
    const binding = invoices.binding(objectId);
    if (binding === undefined) {
      return answer(STATE.bindingNotFound, `No activated card binding for ObjectId ${objectId}`);
    }
    if (binding.state === 'cancelled') {
      return answer(
        STATE.bindingCancelled,
        `Recurring is cancelled: ${binding.cancelReason ?? ''}`,
      );
    }
    const objectTypeVal = read.required('ObjectTypeVal');
    if (objectTypeVal !== '1') throw new FieldError('ObjectTypeVal', 'must be 1 (invoice)');
    const paramsJson = read.required('ParamsJson');
    const amountMinor = amountOfParams(paramsJson, read);
    const repeatPlanText = read.required('RepeatPlan');
    const plan = parseRepeatPlan(repeatPlanText);
    if (plan === undefined) {
      throw new FieldError(
        'RepeatPlan',
        'must be {"StartAt","PeriodLength","PeriodType"} or a cron',
      );
    }
    const retryOnFailPlanText = read.optional('RetryOnFailPlan') ?? '';
    const retryPlan =
      retryOnFailPlanText === '' ? DEFAULT_RETRY : parseRetryPlan(retryOnFailPlanText);
    if (retryPlan === undefined) {
      throw new FieldError('RetryOnFailPlan', 'must be {"PeriodLength","PeriodType"} or a cron');
    }
    const endExecDateText = read.optional('EndExecDate') ?? '';
    const endExecDate = endExecDateText === '' ? undefined : parseEndExecDate(endExecDateText);
    if (endExecDateText !== '' && endExecDate === undefined) {
      throw new FieldError('EndExecDate', 'must be dd.mm.yyyy');
    }
    const definition: OperationDefinition = {
      userToken,
      objectId,
      objectTypeVal,
      paramsJson,
      amountMinor,
      repeatPlanText,
      plan,
      retryOnFailPlanText,
      retryPlan,
      retryOnFailCount: read.int('RetryOnFailCount', 0, 0, 10),
      isSingle: read.flag('IsSingle'),
      fireOnSkip: read.flag('FireOnSkip'),
      state: read.int('State', 0, 0, 9),
      endExecDateText,
      ...(endExecDate !== undefined ? { endExecDate } : {}),
    };
    const now = clock();
    if (operationId !== undefined) {
      const existing = operations.get(operationId);
      if (existing === undefined || existing.objectId !== objectId) {
        return answer(
          STATE.operationNotFound,
          `No scheduled operation ${operationId} for ${objectId}`,
        );
      }
      operations.update(operationId, definition, now);
      return answer(STATE.ok, 'OK', { Operation: operationId, CronOperationId: operationId });
    }
    const op = operations.create(definition, now);
    return answer(STATE.ok, 'OK', { Operation: op.id, CronOperationId: op.id });
  });

  const getScheduledOperationData = guarded((values) => {
    const read = reader(values);
    read.required('UserToken');
    const skip = read.int('Skip', 0, 0, 1_000_000);
    const take = read.int('Take', 100, 1, 1000);
    const operation = read.optional('Operation');
    const objectId = read.optional('ObjectId');
    const state = read.optional('State');
    const from = filterDate(read.optional('DateFrom'), 'DateFrom');
    const to = filterDate(read.optional('DateTo'), 'DateTo');
    // One operation by id is a lookup, not a scan: the adapters ask after every charge they
    // make, and the store holds every operation ever created.
    const one = operation === undefined ? undefined : operations.get(operation);
    const candidates = operation === undefined ? operations.all() : one ? [one] : [];
    const found = candidates
      .filter((op) => objectId === undefined || op.objectId === objectId)
      .filter((op) => state === undefined || String(op.state) === state)
      .filter((op) => from === undefined || op.createdAt.getTime() >= from.getTime())
      .filter((op) => to === undefined || op.createdAt.getTime() <= to.getTime());
    return answer(STATE.ok, 'OK', {
      TotalCount: found.length,
      Operations: found.slice(skip, skip + take).map(operationJson),
    });
  });

  const chargeBoundCard = guarded(async (values) => {
    const read = reader(values);
    read.required('UserToken');
    const bindingId = read.required('ObjectId');
    const orderId = read.required('OrderId');
    if (orderId.length > 50) throw new FieldError('OrderId', 'longer than 50 characters');
    const amountMinor = read.amount('Amount', read.required('Amount'));
    const result = await payments.chargeBinding({
      bindingId,
      orderId,
      amountMinor,
      serviceName: read.optional('ServiceName') ?? '',
    });
    if (result.kind === 'refused') {
      return answer(
        result.reason === 'binding_cancelled' ? STATE.bindingCancelled : STATE.attemptsExhausted,
        result.message,
      );
    }
    const { invoice, responseCode } = result;
    return answer(STATE.ok, 'OK', {
      PaymentId: invoice.paymentId,
      OrderId: invoice.terms.orderId,
      RecipientAmount: invoice.terms.recipientAmount,
      RecipientCurrency: invoice.terms.recipientCurrency,
      PaymentStep: responseCode === '00' ? 0 : 10,
      RcCode: responseCode,
      Message: RESPONSE_TEXT[responseCode],
      Replayed: result.replayed,
    });
  });

  return { setScheduledOperationData, getScheduledOperationData, chargeBoundCard, fireOperation };
}

export type PersonalApi = ReturnType<typeof makePersonalApi>;

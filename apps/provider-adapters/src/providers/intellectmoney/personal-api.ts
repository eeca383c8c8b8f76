import type { Secret } from '@tolem/config';

import { providerErrors } from '../../domain/errors';
import type { ProviderHttp, ProviderHttpResponse } from '../../domain/ports';
import {
  GET_SCHEDULED_OPERATION_SIGN,
  personalApiSign,
  SET_SCHEDULED_OPERATION_SIGN,
} from './signatures';
import { normalizeDeclineCode } from './transformers';

/** What the Personal API needs from configuration. */
export interface PersonalApiConfig {
  /** https://api.intellectmoney.ru (or the sandbox's), no trailing slash. */
  apiUrl: string;
  bearerToken: Secret;
  signSecret: Secret;
  /** The Personal API UserToken (from GetUserToken). */
  userToken?: Secret;
}

/** The result of one execution of a scheduled operation, as far as a charge cares. */
export interface OperationResult {
  operationId: string;
  /** approved (`00`), declined with a scheme code, refused before the issuer, or not run yet. */
  state: 'approved' | 'declined' | 'refused' | 'pending';
  declineCode?: string;
  /** Why IntellectMoney refused to run it (binding cancelled, attempts exhausted). */
  refusal?: string;
  /** The invoice the execution created (its paymentId), when reported. */
  invoiceId?: string;
}

/**
 * A request-level refusal inside an HTTP 200 answer (Result.State.Code ≠ 0): the binding is
 * unknown (2) or cancelled (4), attempts are exhausted (5), a field is invalid (1).
 */
export const RESULT_STATE = {
  ok: 0,
  invalidField: 1,
  bindingNotFound: 2,
  operationNotFound: 3,
  bindingCancelled: 4,
  attemptsExhausted: 5,
} as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** An operation id we store (external_ref) is at most this long; a longer one is no answer. */
const MAX_OPERATION_ID_LENGTH = 64;

/** The operation id an answer or an Operations entry names (`Operation`, or `CronOperationId`). */
function operationIdOf(o: Json): string | undefined {
  const id = text(o['Operation']) ?? text(o['CronOperationId']);
  return id && id.length <= MAX_OPERATION_ID_LENGTH ? id : undefined;
}

function badResponse(what: string, status: number) {
  return providerErrors.create('PROVIDER_BAD_RESPONSE', `IntellectMoney Personal API: ${what}`, {
    details: { status: String(status) },
  });
}

/**
 * The Result of an answer in the SDK's envelope
 * `{"OperationState":{"Code":0,"Desc":…},"Result":{"State":{"Code":0,"Desc":…},…}}`. Transport
 * failures (no JSON, 5xx) are retriable; auth failures (401/403) and Result.State ≠ 0 are
 * PROVIDER_REQUEST_REFUSED with the state code in details.
 */
export function resultOf(res: ProviderHttpResponse, method: string): Json {
  if (res.status >= 500) {
    throw providerErrors.create('PROVIDER_UNAVAILABLE', `${method} answered HTTP ${res.status}`, {
      details: { status: String(res.status) },
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw badResponse(`${method} answered HTTP ${res.status} without JSON`, res.status);
  }
  if (!isObject(body)) throw badResponse(`${method} answered a non-object`, res.status);
  const opState = isObject(body['OperationState']) ? body['OperationState'] : {};
  const result = body['Result'];
  if (res.status >= 400 || text(opState['Code']) !== '0' || !isObject(result)) {
    throw providerErrors.create(
      'PROVIDER_REQUEST_REFUSED',
      `${method} refused the request (HTTP ${res.status}, OperationState ${text(opState['Code']) ?? '?'})`,
      {
        details: {
          status: String(res.status),
          operation_state: text(opState['Code']) ?? '',
          message: (text(opState['Desc']) ?? '').slice(0, 200),
        },
      },
    );
  }
  const state = isObject(result['State']) ? result['State'] : {};
  const code = text(state['Code']) ?? '0';
  if (code !== '0') {
    throw providerErrors.create('PROVIDER_REQUEST_REFUSED', `${method} refused: state ${code}`, {
      details: {
        status: String(res.status),
        result_state: code,
        message: (text(state['Desc']) ?? '').slice(0, 200),
      },
    });
  }
  return result;
}

/**
 * IntellectMoney's Personal API for scheduled operations (protocols.md §3.5): JSON bodies with
 * text values, the Bearer token and the SHA-256 `Sign` header over the method's documented
 * pattern (the same text values, in pattern order).
 */
export function createPersonalApi(config: PersonalApiConfig, http: ProviderHttp) {
  async function call(
    method: 'setScheduledOperationData' | 'getScheduledOperationData',
    pattern: readonly string[],
    values: Record<string, string>,
  ): Promise<Json> {
    const sign = personalApiSign(pattern, values, config.signSecret.reveal());
    const res = await http.send({
      method: 'POST',
      url: `${config.apiUrl}/personal/scheduler/${method}`,
      headers: {
        authorization: `Bearer ${config.bearerToken.reveal()}`,
        sign,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify(values),
    });
    return resultOf(res, method);
  }

  const userToken = () => config.userToken?.reveal() ?? '';

  async function listOperations(filter: Record<string, string>): Promise<Json[]> {
    const values: Record<string, string> = { UserToken: userToken(), Skip: '0', ...filter };
    const result = await call('getScheduledOperationData', GET_SCHEDULED_OPERATION_SIGN, values);
    return Array.isArray(result['Operations']) ? result['Operations'].filter(isObject) : [];
  }

  return {
    /**
     * Creates a one-shot scheduled operation charging the bound card of `objectId` (the invoice
     * that bound it): IsSingle=1, StartAt = now, no provider-side retries (the recurring service
     * owns the retry budget). Returns the operation id (CronOperationId).
     */
    async createSingleCharge(input: {
      objectId: string;
      amountText: string;
      startAt: Date;
    }): Promise<string> {
      const values: Record<string, string> = {
        UserToken: userToken(),
        ObjectId: input.objectId,
        ObjectTypeVal: '1',
        ParamsJson: JSON.stringify({ Amount: input.amountText }),
        RepeatPlan: JSON.stringify({
          StartAt: startAtText(input.startAt),
          PeriodLength: 1,
          PeriodType: 'Day',
        }),
        RetryOnFailCount: '0',
        IsSingle: '1',
        FireOnSkip: '0',
        State: '0',
      };
      const result = await call('setScheduledOperationData', SET_SCHEDULED_OPERATION_SIGN, values);
      const id = operationIdOf(result);
      if (!id) {
        throw badResponse('setScheduledOperationData did not name the operation', 200);
      }
      return id;
    },

    /**
     * The one-shot charges of the binding `objectId` created with exactly this amount and StartAt
     * (each charge gets its own StartAt), newest first by IntellectMoney's order: how a charge
     * whose create answer was lost finds its operation. Created from a day before StartAt, to
     * allow for clocks that disagree.
     */
    async findSingleCharges(input: {
      objectId: string;
      amountText: string;
      startAt: Date;
    }): Promise<string[]> {
      const operations = await listOperations({
        Take: '1000',
        ObjectId: input.objectId,
        DateFrom: new Date(input.startAt.getTime() - 24 * 3600_000).toISOString(),
      });
      const wanted = startAtText(input.startAt);
      const field = (json: unknown, name: string) => {
        try {
          const parsed: unknown = typeof json === 'string' ? JSON.parse(json) : json;
          return isObject(parsed) ? text(parsed[name]) : undefined;
        } catch {
          return undefined;
        }
      };
      return operations
        .filter(
          (op) =>
            text(op['ObjectId']) === input.objectId &&
            text(op['IsSingle']) === '1' &&
            field(op['ParamsJson'], 'Amount') === input.amountText &&
            field(op['RepeatPlan'], 'StartAt') === wanted,
        )
        .flatMap((op) => operationIdOf(op) ?? []);
    },

    /** Reads one scheduled operation and the result of its latest execution. */
    async readOperation(operationId: string): Promise<OperationResult> {
      const values: Record<string, string> = {
        UserToken: userToken(),
        Skip: '0',
        Take: '1',
        Operation: operationId,
      };
      const result = await call('getScheduledOperationData', GET_SCHEDULED_OPERATION_SIGN, values);
      return readOperationResult(result, operationId);
    },
  };
}

export type PersonalApi = ReturnType<typeof createPersonalApi>;

/** A RepeatPlan StartAt as Tolem sends it: to the second, in UTC (`2026-11-23T10:00:00+00:00`). */
export function startAtText(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * The latest execution of an operation from getScheduledOperationData's Result.Operations:
 * RcCode `00` approved, another code declined, `Refused` refused before the issuer, no
 * execution yet pending.
 */
export function readOperationResult(result: Json, operationId: string): OperationResult {
  const operations = Array.isArray(result['Operations']) ? result['Operations'] : [];
  const op = operations.find((o): o is Json => isObject(o) && operationIdOf(o) === operationId);
  const executions = op && Array.isArray(op['Executions']) ? op['Executions'] : [];
  const last = executions[executions.length - 1];
  const out: OperationResult = { operationId, state: 'pending' };
  if (!isObject(last)) return out;
  const invoiceId = text(last['PaymentId']);
  if (invoiceId) out.invoiceId = invoiceId;
  const refused = text(last['Refused']);
  if (refused) return { ...out, state: 'refused', refusal: refused.slice(0, 64) };
  const code = normalizeDeclineCode(last['RcCode']);
  if (code === '00') return { ...out, state: 'approved' };
  if (code !== undefined) return { ...out, state: 'declined', declineCode: code };
  return out;
}

import { Case, CaseStatus } from '@tolem/contracts/checkout';
import { isDomainError } from '@tolem/errors';
import { describe, expect, it } from 'vitest';

import { caseListToJson, caseStatusName, caseToJson, toListCasesRequest } from './case.mapper';

const aCase = Case.fromPartial({
  id: 'case_1',
  kind: 'amount_unknown',
  status: CaseStatus.CASE_STATUS_OPENING,
  amount: { amountMinor: 9_007_199_254_740_993n, currency: 'USD' },
  expected: { amountMinor: 500n, currency: 'EUR' },
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDomainError(err) ? err.code : 'not a DomainError';
  }
  return undefined;
}

describe('case mapper', () => {
  it('keeps minor units exact: above 2^53-1 they travel as strings, each with its currency', () => {
    expect(caseToJson(aCase)).toMatchObject({
      status: 'opening',
      amount: '9007199254740993',
      currency: 'USD',
      expected_amount: 500,
      expected_currency: 'EUR',
      provider: null,
      provider_payment_id: null,
      callback_id: null,
      return_reference: null,
      created_at: null,
    });
  });

  it('treats a case without its money as our bug (INTERNAL), not the caller’s', () => {
    expect(codeOf(() => caseToJson({ ...aCase, amount: undefined }))).toBe('INTERNAL');
    expect(codeOf(() => caseToJson(undefined))).toBe('INTERNAL');
  });

  it('names every status and says unknown for one it does not know', () => {
    expect(caseStatusName(CaseStatus.CASE_STATUS_APPLIED)).toBe('applied');
    expect(caseStatusName(CaseStatus.UNRECOGNIZED)).toBe('unknown');
  });

  it('defaults the page size to 50 and refuses one outside 1..200', () => {
    expect(toListCasesRequest({})).toMatchObject({ pageSize: 50, pageToken: '', status: 0 });
    expect(toListCasesRequest({ limit: '200', status: 'returned' })).toMatchObject({
      pageSize: 200,
      status: CaseStatus.CASE_STATUS_RETURNED,
    });
    expect(codeOf(() => toListCasesRequest({ limit: '0' }))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => toListCasesRequest({ limit: '201' }))).toBe('VALIDATION_FAILED');
  });

  it('turns the page token into has_more and next_cursor', () => {
    expect(caseListToJson({ cases: [], nextPageToken: '' })).toEqual({
      object: 'list',
      url: '/admin/v1/cases',
      data: [],
      has_more: false,
      next_cursor: null,
    });
    expect(caseListToJson({ cases: [aCase], nextPageToken: 'abc' })).toMatchObject({
      has_more: true,
      next_cursor: 'abc',
    });
  });
});

import { Metadata, status } from '@grpc/grpc-js';
import { DomainError, type ErrorKind } from '@tolem/errors';
import { fromServiceError } from '@tolem/grpc-kit';
import { describe, expect, it } from 'vitest';

import { effectiveKind, errorBody, toHttpError } from './errors';

const KIND_STATUS: [ErrorKind, number][] = [
  ['invalid', 400],
  ['unauthenticated', 401],
  ['declined', 402],
  ['forbidden', 403],
  ['not_found', 404],
  ['conflict', 409],
  ['aborted', 409],
  ['precondition', 422],
  ['rate_limited', 429],
  ['internal', 500],
  ['unimplemented', 501],
  ['unavailable', 503],
  ['timeout', 504],
];

describe('toHttpError', () => {
  it.each(KIND_STATUS)('maps kind %s to HTTP %i with the code and message', (kind, httpStatus) => {
    const mapped = toHttpError(new DomainError('SOME_CODE', kind, 'what happened'));
    expect(mapped.status).toBe(httpStatus);
    expect(mapped.code).toBe('SOME_CODE');
    expect(mapped.message).toBe(kind === 'internal' ? 'internal error' : 'what happened');
    expect(errorBody(mapped, 'req_1')).toEqual({
      error: { code: 'SOME_CODE', message: mapped.message, request_id: 'req_1' },
    });
  });

  it('scrubs internal DomainErrors and drops their details', () => {
    const mapped = toHttpError(
      new DomainError('DB_DOWN', 'internal', 'postgres://u:pw@db failed', {
        details: { host: 'db' },
      }),
    );
    expect(mapped).toEqual({
      status: 500,
      code: 'DB_DOWN',
      message: 'internal error',
      details: {},
    });
  });

  it('answers 500 INTERNAL with a scrubbed message for anything that is not a DomainError', () => {
    for (const err of [
      new Error('secret=hunter2'),
      new TypeError('x is undefined'),
      'boom',
      null,
      42,
    ]) {
      expect(toHttpError(err)).toEqual({
        status: 500,
        code: 'INTERNAL',
        message: 'internal error',
        details: {},
      });
    }
  });

  it('keeps safe details (the conflicting field) but never the kind trailer', () => {
    const mapped = toHttpError(
      new DomainError('IDEMPOTENCY_KEY_REUSED', 'conflict', 'amount differs', {
        details: { field: 'amount', kind: 'conflict' },
      }),
    );
    expect(errorBody(mapped, 'r').error.details).toEqual({ field: 'amount' });
  });

  it('turns a gRPC FAILED_PRECONDITION marked as a decline into 402, and only that', () => {
    const metadata = new Metadata();
    metadata.set('x-error-code', 'PAYMENT_DECLINED');
    metadata.set('x-error-kind', 'declined');
    const err = fromServiceError(
      {
        name: 'Error',
        message: '',
        code: status.FAILED_PRECONDITION,
        details: 'issuer said no',
        metadata,
      },
      'startPayment',
    );
    expect(toHttpError(err)).toMatchObject({
      status: 402,
      code: 'PAYMENT_DECLINED',
      message: 'issuer said no',
    });
    expect(effectiveKind('invalid', { kind: 'declined' })).toBe('invalid');
    expect(effectiveKind('precondition', { kind: 'internal' })).toBe('precondition');
  });

  it('replaces transport-made messages (they name hosts and ports) and keeps server messages', () => {
    const noCode = fromServiceError(
      {
        name: 'Error',
        message: '',
        code: status.UNAVAILABLE,
        details: 'No connection established. Last error: connect ECONNREFUSED 10.0.0.7:50051',
        metadata: new Metadata(),
      },
      'getPayment',
    );
    const unavailable = toHttpError(noCode);
    expect(unavailable.status).toBe(503);
    expect(unavailable.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(unavailable.message).not.toContain('10.0.0.7');

    const metadata = new Metadata();
    metadata.set('x-error-code', 'UPSTREAM_UNAVAILABLE');
    const fromServer = fromServiceError(
      {
        name: 'Error',
        message: '',
        code: status.UNAVAILABLE,
        details: 'WebMoney is down',
        metadata,
      },
      'startPayment',
    );
    expect(toHttpError(fromServer).message).toBe('WebMoney is down');

    const deadline = fromServiceError(
      {
        name: 'Error',
        message: '',
        code: status.DEADLINE_EXCEEDED,
        details: 'Deadline exceeded after 5.001s',
        metadata: new Metadata(),
      },
      'getPayment',
    );
    expect(toHttpError(deadline)).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
  });

  it('maps Fastify validation and parse errors to 400 with stable codes', () => {
    expect(
      toHttpError(Object.assign(new Error('body/currency must be string'), { validation: [{}] })),
    ).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'body/currency must be string',
      details: {},
    });
    expect(
      toHttpError(
        Object.assign(new SyntaxError('Unexpected token'), {
          code: 'FST_ERR_CTP_INVALID_JSON_BODY',
          statusCode: 400,
        }),
      ),
    ).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(
      toHttpError(
        Object.assign(new Error('empty'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }),
      ),
    ).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(
      toHttpError(
        Object.assign(new Error('too large'), {
          code: 'FST_ERR_CTP_BODY_TOO_LARGE',
          statusCode: 413,
        }),
      ),
    ).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(
      toHttpError(
        Object.assign(new Error('bad type'), {
          code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          statusCode: 415,
        }),
      ),
    ).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('never lets a non-Fastify error with a statusCode choose its own status', () => {
    expect(
      toHttpError(Object.assign(new Error('x'), { statusCode: 418, code: 'TEAPOT' })),
    ).toMatchObject({
      status: 500,
      code: 'INTERNAL',
    });
  });
});

import { describe, expect, it } from 'vitest';

import { commonErrors, DomainError, httpStatusOf, isDomainError } from './index';

describe('DomainError', () => {
  it('carries code, kind and retriable derived from the kind', () => {
    const err = commonErrors.create('UPSTREAM_UNAVAILABLE', 'provider down');
    expect(isDomainError(err)).toBe(true);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.kind).toBe('unavailable');
    expect(err.retriable).toBe(true);
    expect(new DomainError('X', 'invalid', 'bad').retriable).toBe(false);
  });

  it('maps every kind to the documented HTTP status', () => {
    expect(httpStatusOf('invalid')).toBe(400);
    expect(httpStatusOf('unauthenticated')).toBe(401);
    expect(httpStatusOf('declined')).toBe(402);
    expect(httpStatusOf('forbidden')).toBe(403);
    expect(httpStatusOf('not_found')).toBe(404);
    expect(httpStatusOf('conflict')).toBe(409);
    expect(httpStatusOf('precondition')).toBe(422);
    expect(httpStatusOf('rate_limited')).toBe(429);
    expect(httpStatusOf('internal')).toBe(500);
    expect(httpStatusOf('unavailable')).toBe(503);
    expect(httpStatusOf('timeout')).toBe(504);
  });
});

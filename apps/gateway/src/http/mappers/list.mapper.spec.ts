import { describe, expect, it } from 'vitest';

import { cursorPage, idPage } from './list.mapper';

describe('list envelopes', () => {
  it('turns a peer page token into has_more and next_cursor', () => {
    expect(cursorPage('/v1/x', [1], 'tok')).toEqual({
      object: 'list',
      url: '/v1/x',
      data: [1],
      has_more: true,
      next_cursor: 'tok',
    });
    // The last page: the peer's empty token is no cursor at all.
    expect(cursorPage('/v1/x', [], '')).toEqual({
      object: 'list',
      url: '/v1/x',
      data: [],
      has_more: false,
      next_cursor: null,
    });
  });

  it('answers an id-paged list without next_cursor', () => {
    expect(idPage('/v1/y', ['a'], true)).toEqual({
      object: 'list',
      url: '/v1/y',
      data: ['a'],
      has_more: true,
    });
  });
});

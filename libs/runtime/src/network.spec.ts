import { describe, expect, it } from 'vitest';

import { isLoopbackHost } from './network';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])('%s is', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '',
    'db.internal',
    '10.0.0.1',
    '128.0.0.1',
    'localhost.example',
    '[::2]',
    '::ffff:7f00:1',
  ])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

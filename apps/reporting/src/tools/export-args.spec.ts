import { describe, expect, it } from 'vitest';

import { parseExportArgs } from './export-args';

describe('export-csv arguments', () => {
  it('turns inclusive UTC days into a half-open range, in either option style', () => {
    expect(
      parseExportArgs(['--merchant=mer_1', '--from=2026-03-01', '--to', '2026-03-31']),
    ).toEqual({
      merchantId: 'mer_1',
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-01T00:00:00Z'),
      out: undefined,
    });
  });

  it.each([
    [['--from=2026-03-01', '--to=2026-03-02']],
    [['--merchant=m', '--from=2026-02-30', '--to=2026-03-02']],
    [['--merchant=m', '--from=2026-03-02', '--to=2026-03-01']],
    [['--merchant=m', '--from=03/01/2026', '--to=2026-03-01']],
    [['--merchant=m', '--from=2026-03-01', '--to=2026-03-01', '--bogus']],
  ])('refuses %j', (argv) => {
    expect(() => parseExportArgs(argv)).toThrow();
  });
});

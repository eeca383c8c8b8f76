import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { bundledEntry } from './bundle';

describe('bundledEntry', () => {
  let root = '';
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (bundle: string) => execFileSync(process.execPath, [bundle], { encoding: 'utf8' });

  it('reuses a bundle while its sources are unchanged and rebuilds after an edit', async () => {
    root = mkdtempSync(join(tmpdir(), 'tolem-bundle-'));
    writeFileSync(join(root, 'tsconfig.base.json'), '{}');
    writeFileSync(join(root, 'dep.ts'), 'export const answer: number = 1;\n');
    writeFileSync(
      join(root, 'main.ts'),
      "import { answer } from './dep';\nprocess.stdout.write(String(answer));\n",
    );
    const first = await bundledEntry(root, 'main.ts');
    expect(run(first)).toBe('1');
    expect(await bundledEntry(root, 'main.ts')).toBe(first);

    // Same size, another content and mtime: an import's edit is seen, not only the entry's.
    writeFileSync(join(root, 'dep.ts'), 'export const answer: number = 2;\n');
    // (An mtime in the past: one after the build's start would count as an edit during it.)
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'dep.ts'), earlier, earlier);
    const second = await bundledEntry(root, 'main.ts');
    expect(second).not.toBe(first);
    expect(run(second)).toBe('2');
    expect(await bundledEntry(root, 'main.ts')).toBe(second);
    // The first bundle is kept a while: another process may just have been told to start it.
    expect(readdirSync(join(root, '.tolem', 'bundles')).filter((f) => f.endsWith('.js'))).toEqual(
      expect.arrayContaining([first.split('/').pop(), second.split('/').pop()]),
    );
  });

  it('builds once for calls made at the same time', async () => {
    root = mkdtempSync(join(tmpdir(), 'tolem-bundle-'));
    writeFileSync(join(root, 'tsconfig.base.json'), '{}');
    writeFileSync(join(root, 'main.ts'), "process.stdout.write('ok');\n");
    const [a, b] = await Promise.all([
      bundledEntry(root, 'main.ts'),
      bundledEntry(root, 'main.ts'),
    ]);
    expect(a).toBe(b);
    expect(run(a)).toBe('ok');
  });
});

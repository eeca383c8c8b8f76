import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { freePort, REPO_ROOT, spawnService } from './process';

describe('freePort', () => {
  it('hands out distinct, bindable ports below the kernel ephemeral range', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    for (const port of ports) expect(port).toBeLessThan(low ?? 0);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('spawnService', () => {
  it('kills the services still starting when the process that spawned them exits', async () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'libs/testing/test/fixtures/exit-while-starting.ts')],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    const pids = out.trim().split(/\s+/).filter(Boolean).map(Number);
    expect(pids).toHaveLength(1);
    const deadline = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const survivors = pids.filter(alive);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  }, 40_000);

  describe('a service that exits on its own', () => {
    const written: string[] = [];
    const stderr = () => written.join('');
    const capture = () =>
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      });
    afterEach(() => {
      vi.restoreAllMocks();
      written.length = 0;
    });
    const crashing = (afterMs: number, ready: () => Promise<boolean>) =>
      spawnService({
        name: 'crasher',
        entry: 'libs/testing/test/fixtures/crash-after.ts',
        env: { CRASH_AFTER_MS: String(afterMs) },
        ready,
        // Longer than the tests may take: a death must end the wait, not the timeout.
        readyTimeoutMs: 40_000,
      });

    it('while starting: its output is in the error thrown, once, and not printed as well', async () => {
      capture();
      const err = (await crashing(0, async () => false).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/^crasher exited with 3/);
      expect(err.message.match(/last words of \d+/g)).toHaveLength(1);
      expect(stderr()).not.toContain('last words');
    }, 20_000);

    it('after it was ready: its output is printed, since no one awaits it', async () => {
      capture();
      const service = await crashing(300, async () => true);
      expect(await service.exited).toBe(3);
      await vi.waitFor(() => expect(stderr()).toContain('[spawnService] crasher'), {
        timeout: 3_000,
      });
      expect(stderr()).toMatch(/exited with 3:\nlast words of \d+/);
    }, 20_000);
  });
});

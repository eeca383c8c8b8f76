import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { isPidAlive, sleep } from './proc';

/**
 * A cross-process lock on a directory name. Nx runs several test targets in parallel and each may
 * provision the same state dir: without this, two of them would initdb or format Kafka at once.
 * mkdir is atomic; the owner's pid lets a later process break the lock of one that died.
 */
export async function withLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; log?: (msg: string) => void } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  await fsp.mkdir(path.dirname(lockDir), { recursive: true });
  let announced = false;
  for (;;) {
    if (await tryAcquire(lockDir)) break;
    if (await isStale(lockDir)) {
      await fsp.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for lock ${lockDir}`);
    if (!announced) {
      opts.log?.(`waiting for another process holding ${lockDir}`);
      announced = true;
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lockDir, { recursive: true, force: true });
  }
}

async function tryAcquire(lockDir: string): Promise<boolean> {
  try {
    await fsp.mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  await fsp.writeFile(path.join(lockDir, 'owner'), String(process.pid));
  return true;
}

async function isStale(lockDir: string): Promise<boolean> {
  try {
    const owner = Number(await fsp.readFile(path.join(lockDir, 'owner'), 'utf8'));
    if (owner === process.pid) return false; // our own, held by another async caller in this process
    return !(await isPidAlive(owner));
  } catch {
    // The owner file is written right after mkdir; give a just-created lock a moment before breaking it.
    try {
      const st = await fsp.stat(lockDir);
      return Date.now() - st.mtimeMs > 10_000;
    } catch {
      return false; // vanished: the next tryAcquire will tell
    }
  }
}

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Logger } from './types';

/**
 * Places where testcontainers 11 looks for a container runtime (its strategies: tc.host / docker.host in
 * ~/.testcontainers.properties, DOCKER_HOST, /var/run/docker.sock, rootless sockets). When none exists,
 * testcontainers cannot succeed, and skipping its import saves ~0.5 s on every provisioning call.
 */
function runtimeCandidateExists(): boolean {
  if (process.env['DOCKER_HOST']) return true;
  if (process.platform === 'win32') return true; // npipe: let testcontainers decide
  const home = os.homedir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const candidates = [
    path.join(home, '.testcontainers.properties'),
    '/var/run/docker.sock',
    process.env['XDG_RUNTIME_DIR']
      ? path.join(process.env['XDG_RUNTIME_DIR'], 'docker.sock')
      : undefined,
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    uid === undefined ? undefined : `/run/user/${uid}/docker.sock`,
  ];
  return candidates.some((c) => c !== undefined && existsSync(c));
}

let cached: Promise<boolean> | undefined;

/**
 * Whether a Docker engine answers testcontainers. Memoised per process; bounded by a short timeout so a
 * hung socket never delays the fall-through to local binaries.
 */
export function containerRuntimeAvailable(log: Logger, timeoutMs = 5000): Promise<boolean> {
  cached ??= probe(log, timeoutMs);
  return cached;
}

async function probe(log: Logger, timeoutMs: number): Promise<boolean> {
  if (!runtimeCandidateExists()) {
    log('no Docker engine socket or DOCKER_HOST: skipping testcontainers');
    return false;
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([getContainerRuntimeClient(), timeout]);
    } finally {
      if (timer) clearTimeout(timer);
    }
    return true;
  } catch (err) {
    log(`testcontainers unavailable (${firstLine(err)}): using local binaries`);
    return false;
  }
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0] ?? '';
}

import { randomFillSync } from 'node:crypto';

import { ulid } from 'ulid';

/**
 * ulid's own generator asks the kernel for one random byte per character; at thousands of ids a
 * second that was a visible share of the ledger's CPU. The same CSPRNG, read 4 KiB at a time.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return (pool[poolAt++] as number) / 256;
}

/**
 * Prefixed ids: `pay_01J…`, `mer_…`, `txn_…`, `evt_…`. The first 10 characters are the creation
 * millisecond, so ids sort by the millisecond they were made in; the last 16 are 80 fresh random
 * bits for every id. Not monotonic within a millisecond on purpose: a monotonic ULID is the
 * previous id plus one, so anyone holding one id could guess its neighbours. Code that needs an
 * order finer than a millisecond keeps its own column (a bigserial, an event sequence).
 */
export function newId(prefix: string): string {
  return `${prefix}_${ulid(undefined, pooledRandom).toLowerCase()}`;
}

/** True when value looks like an id made by newId(prefix). */
export function isId(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}

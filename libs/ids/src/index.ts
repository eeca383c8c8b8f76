import { randomFillSync } from 'node:crypto';

import { monotonicFactory } from 'ulid';

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

const nextUlid = monotonicFactory(pooledRandom);

/** Prefixed, time-sortable ids: `pay_01J…`, `mer_…`, `txn_…`, `evt_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

/** True when value looks like an id made by newId(prefix). */
export function isId(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}

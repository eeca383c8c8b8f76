import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Prefixed, time-sortable ids: `pay_01J…`, `mer_…`, `txn_…`, `evt_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

/** True when value looks like an id made by newId(prefix). */
export function isId(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}

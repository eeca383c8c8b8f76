import type { Knex } from '@tolem/db-kit';

/**
 * Bindings for raw SQL: node-postgres sends a JS array as a PostgreSQL array literal, which is
 * what unnest(?::text[], …) takes; knex's types only know scalar bindings.
 */
export function bind(values: readonly unknown[]): readonly Knex.RawBinding[] {
  return values as readonly Knex.RawBinding[];
}

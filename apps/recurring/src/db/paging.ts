import type { Knex } from '@tolem/db-kit';

import type { PageAnchor } from '../domain/ports';

/**
 * Newest first by (created_at, id) on a (merchant_id, created_at desc) index: the index bounds the
 * scan at the anchor's created_at and the id breaks ties there, so a page costs its own rows
 * however deep it is (as checkout's payments list). The anchor's position is read in SQL, not
 * passed back from JS: a JS Date drops created_at's microseconds and would misplace the anchor.
 */
export function keysetPage<Q extends Knex.QueryBuilder>(
  q: Q,
  table: 'card_bindings' | 'scheduled_operations',
  anchor: PageAnchor,
  limit: number,
): Q {
  if (anchor) {
    const op = anchor.direction === 'after' ? '<' : '>';
    const bound = anchor.direction === 'after' ? '<=' : '>=';
    void q
      .andWhereRaw(`created_at ${bound} (select created_at from ${table} where id = ?)`, [
        anchor.id,
      ])
      .andWhereRaw(`(created_at, id) ${op} (select created_at, id from ${table} where id = ?)`, [
        anchor.id,
      ]);
  }
  const order = anchor?.direction === 'before' ? 'asc' : 'desc';
  return q
    .orderBy([
      { column: 'created_at', order },
      { column: 'id', order },
    ])
    .limit(limit) as Q;
}

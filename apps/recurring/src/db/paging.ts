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

/**
 * The position of a merchant's object as a page anchor (PagedReader.positionOf), or undefined
 * when it is not the merchant's, or not of the mode asked (null: either).
 */
export async function anchorPosition(
  db: Knex,
  table: 'card_bindings' | 'scheduled_operations',
  key: { merchantId: string; id: string; livemode: boolean | null },
): Promise<{ createdAt: Date; id: string } | undefined> {
  const q = db(table).where({ id: key.id, merchant_id: key.merchantId });
  if (key.livemode !== null) void q.andWhere({ livemode: key.livemode });
  const row = (await q.first('created_at', 'id')) as { created_at: Date; id: string } | undefined;
  return row ? { createdAt: row.created_at, id: row.id } : undefined;
}

import type { Knex } from '@tolem/db-kit';

import type { ReconcilerCursorRepository } from '../domain/ports';

export function createReconcilerCursorsRepo(db: Knex): ReconcilerCursorRepository {
  return {
    async get(name) {
      const row = (await db('reconciler_cursors').where({ name }).first('cursor')) as
        | { cursor: string }
        | undefined;
      return row?.cursor ?? '';
    },
    async set(name, cursor, at) {
      await db('reconciler_cursors')
        .insert({ name, cursor, updated_at: at })
        .onConflict('name')
        .merge(['cursor', 'updated_at']);
    },
  };
}

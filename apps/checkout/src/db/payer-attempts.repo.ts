import type { Knex } from '@tolem/db-kit';

import type { PayerAttemptRepository } from '../domain/ports';

export function createPayerAttemptsRepo(db: Knex): PayerAttemptRepository {
  return {
    async reserve(paymentId, method, limit, at) {
      if (limit <= 0) return false;
      // One statement: the row lock of the upsert serialises concurrent tries, and the WHERE
      // refuses the one past the limit (no row returned).
      const result = await db.raw<{ rows: unknown[] }>(
        `insert into payer_attempts (payment_id, method, attempts, locked_at, updated_at)
         values (:paymentId, :method, 1, case when 1 >= :limit then :at::timestamptz end, :at)
         on conflict (payment_id, method) do update
           set attempts = payer_attempts.attempts + 1,
               locked_at = case when payer_attempts.attempts + 1 >= :limit
                                then coalesce(payer_attempts.locked_at, :at::timestamptz) end,
               updated_at = :at
           where payer_attempts.attempts < :limit
         returning attempts`,
        { paymentId, method, limit, at },
      );
      return result.rows.length > 0;
    },

    async release(paymentId, method, at) {
      await db('payer_attempts')
        .where({ payment_id: paymentId, method })
        .andWhere('attempts', '>', 0)
        .update({ attempts: db.raw('attempts - 1'), locked_at: null, updated_at: at });
    },

    async isLocked(paymentId, method, limit) {
      const row = (await db('payer_attempts')
        .where({ payment_id: paymentId, method })
        .first('attempts')) as { attempts: number } | undefined;
      return (row?.attempts ?? 0) >= limit;
    },
  };
}

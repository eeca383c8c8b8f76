import type { Knex } from '@tolem/db-kit';
import { newId } from '@tolem/ids';

import type { CallbackLog } from '../domain/ports';

export function createProviderCallbacksRepo(db: Knex): CallbackLog {
  return {
    async record(provider, raw) {
      const id = newId('cb');
      await db('provider_callbacks').insert({
        id,
        provider,
        http_method: raw.method.slice(0, 16),
        path: raw.path.slice(0, 2048),
        query: raw.query.slice(0, 8192),
        headers: JSON.stringify(raw.headers),
        body: raw.body,
        remote_address: raw.remoteAddress.slice(0, 256),
      });
      return id;
    },

    async decide(id, decision) {
      await db('provider_callbacks')
        .where({ id })
        .update({
          verdict: decision.verdict,
          reason_code: decision.reasonCode ?? null,
          payment_id: decision.paymentId ?? null,
          decided_at: db.fn.now(),
        });
    },

    async deleteReceivedBefore(cutoff, limit) {
      // Postgres has no DELETE … LIMIT: pick the batch through the received_at index.
      const result = await db.raw<{ rowCount: number }>(
        `delete from provider_callbacks where id in (
           select id from provider_callbacks where received_at < ? order by received_at limit ?
         )`,
        [cutoff, limit],
      );
      return result.rowCount;
    },
  };
}

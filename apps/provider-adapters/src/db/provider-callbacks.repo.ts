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

    async find(id) {
      const row = (await db('provider_callbacks').where({ id }).first()) as
        | {
            id: string;
            provider: string;
            received_at: Date;
            http_method: string;
            path: string;
            query: string;
            headers: Record<string, string>;
            body: Buffer;
            remote_address: string;
            verdict: string | null;
            reason_code: string | null;
            payment_id: string | null;
          }
        | undefined;
      if (!row) return undefined;
      return {
        id: row.id,
        provider: row.provider,
        receivedAt: row.received_at,
        method: row.http_method,
        path: row.path,
        query: row.query,
        headers: row.headers,
        body: row.body,
        remoteAddress: row.remote_address,
        verdict: row.verdict ?? '',
        reasonCode: row.reason_code ?? '',
        paymentId: row.payment_id ?? '',
      };
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

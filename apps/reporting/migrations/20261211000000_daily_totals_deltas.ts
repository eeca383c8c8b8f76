import type { Knex } from 'knex';

/**
 * Daily totals without a hot row. Every event of a merchant's day used to upsert the same
 * daily_totals rows inside the event's transaction, so events of one busy merchant, consumed
 * from six partitions side by side, queued on those rows' locks until each holder committed:
 * 24 ms an upsert, three per payment, in bench:recurring (one merchant, 1,000 charges due at
 * once), capping that merchant's reporting near 15 events/s per partition.
 *
 * Now an event appends its deltas (no conflict, no wait), a folder adds them into the folded
 * rows in batches, and `daily_totals` / `daily_refund_totals` are views that add the deltas not
 * yet folded to the folded rows: reads stay exact at every moment, and rows that add up to
 * nothing are left out, as the upserts deleted them.
 */
const TABLES = [
  {
    name: 'daily_totals',
    amounts: ['payments_count', 'gross_minor', 'fee_minor', 'net_minor'],
  },
  { name: 'daily_refund_totals', amounts: ['refunds_count', 'amount_minor'] },
] as const;
const KEY = 'merchant_id, day, currency, method, status, livemode';

function viewSql(name: string, amounts: readonly string[]): string {
  const columns = amounts.join(', ');
  return `
    create view ${name} as
      select ${KEY}, ${amounts.map((a) => `sum(${a})::bigint as ${a}`).join(', ')}
        from (select ${KEY}, ${columns} from ${name}_folded
              union all
              select ${KEY}, ${columns} from ${name}_deltas) t
       group by ${KEY}
      having ${amounts.map((a) => `sum(${a}) <> 0`).join(' or ')};`;
}

export async function up(knex: Knex): Promise<void> {
  for (const { name, amounts } of TABLES) {
    await knex.raw(`
      alter table ${name} rename to ${name}_folded;
      alter index ${name}_pkey rename to ${name}_folded_pkey;
      create table ${name}_deltas (
        id bigint generated always as identity primary key,
        merchant_id text not null,
        day date not null,
        currency text not null,
        method text not null,
        status text not null,
        livemode boolean not null,
        ${amounts.map((a) => `${a} bigint not null`).join(',\n        ')}
      );
      -- Reads of a merchant's days add the deltas not yet folded.
      create index ${name}_deltas_merchant_day_idx on ${name}_deltas (merchant_id, day);
      ${viewSql(name, amounts)}
    `);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { name, amounts } of TABLES) {
    const set = amounts.map((a) => `${a} = ${name}_folded.${a} + excluded.${a}`).join(', ');
    await knex.raw(`
      drop view ${name};
      insert into ${name}_folded (${KEY}, ${amounts.join(', ')})
        select ${KEY}, ${amounts.map((a) => `sum(${a})`).join(', ')}
          from ${name}_deltas group by ${KEY}
      on conflict (${KEY}) do update set ${set};
      delete from ${name}_folded where ${amounts.map((a) => `${a} = 0`).join(' and ')};
      drop table ${name}_deltas;
      alter index ${name}_folded_pkey rename to ${name}_pkey;
      alter table ${name}_folded rename to ${name};
    `);
  }
}

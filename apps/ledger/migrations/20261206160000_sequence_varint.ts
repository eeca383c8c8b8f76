import type { Knex } from '@tolem/db-kit';

/** Byte i of a varint padded to 10 bytes: 7 bits of n, with the continuation bit but on the last. */
const byteOf = (i: number): string =>
  i < 9 ? `(((n >> ${7 * i}) & 127) | 128)::int` : `((n >> 63) & 1)::int`;

/**
 * `ledger_varint10(n)`: n as a protobuf varint padded to 10 bytes, so that the batch write can
 * fill an event's sequence into its already encoded payload inside the statement that learns
 * the number (the payment's counter, taken over under its row lock). One expression, so the
 * planner inlines it.
 */
export async function up(knex: Knex): Promise<void> {
  let expression = `'\\x00000000000000000000'::bytea`;
  for (let i = 0; i < 10; i++) expression = `set_byte(${expression}, ${i}, ${byteOf(i)})`;
  await knex.raw(`
    create function ledger_varint10(n bigint) returns bytea
      language sql immutable strict parallel safe
      as $$ select ${expression} $$
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists ledger_varint10(bigint)');
}

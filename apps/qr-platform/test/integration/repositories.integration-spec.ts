import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe } from 'vitest';

import { migrations } from '../../migrations';
import { createQrCodesRepo } from '../../src/db/qr-codes.repo';
import { createQrPaymentsRepo } from '../../src/db/qr-payments.repo';
import { repositoryContract } from '../contracts/repositories.contract';
import { inMemoryCodes, inMemoryPayments } from '../fakes/in-memory';

describe('in-memory repositories (the unit tests’ fakes)', () => {
  let tick = 0;
  // Each insert one millisecond later, as separate statements are in PostgreSQL.
  const clock = { now: () => new Date(Date.UTC(2026, 11, 7) + tick++) };
  repositoryContract(async () => ({ codes: inMemoryCodes(clock), payments: inMemoryPayments() }));
});

describe('PostgreSQL repositories', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  beforeAll(async () => {
    database = await freshDatabase('qr_repos_it');
    db = createKnex({ url: database.url, poolMax: 2 });
    await migrateLatest(db, migrations);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  repositoryContract(async () => ({
    codes: createQrCodesRepo(db),
    payments: createQrPaymentsRepo(db),
  }));
});

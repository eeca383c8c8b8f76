import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { freshDatabase } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { createMerchantsRepo } from '../../src/db/merchants.repo';
import type { ApiKeyRecord } from '../../src/domain/api-key';
import type { Merchant } from '../../src/domain/merchant';
import type { MerchantRepository } from '../../src/domain/ports';
import { inMemoryMerchants } from '../fakes/in-memory';

/**
 * The MerchantRepository contract, run against the in-memory fake the unit tests use and the
 * PostgreSQL repository, so the fake cannot drift from the real thing.
 */
let db: Knex;
let database: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  database = await freshDatabase('checkout_merchants_repo');
  db = createKnex({ url: database.url, applicationName: 'checkout-it' });
  await migrateLatest(db, migrations);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const at = new Date('2026-12-07T10:00:00.000Z');
let seq = 0;

function aMerchant(): Merchant {
  seq += 1;
  return {
    id: `mer_contract_${String(seq).padStart(4, '0')}_${Math.random().toString(36).slice(2, 8)}`,
    name: 'Contract shop',
    enabledMethods: ['card'],
    webmoneyShopId: '',
    defaultSuccessUrl: '',
    defaultFailUrl: '',
    vatRate: 'vat12',
    notificationUrl: 'https://c.example/hook',
    createdAt: at,
    updatedAt: at,
    pendingSteps: [],
  };
}

function aKey(merchantId: string, n: number): ApiKeyRecord {
  return {
    id: `key_${merchantId}_${n}`,
    merchantId,
    mode: 'test',
    name: '',
    keyPrefix: 'sk_test_abcd',
    keyHash: `${merchantId}-${n}`.padEnd(64, '0'),
    createdAt: at,
    revokedAt: null,
    expiresAt: null,
    rolledTo: null,
  };
}

describe.each([
  ['in-memory fake', () => inMemoryMerchants() as MerchantRepository],
  ['PostgreSQL', () => createMerchantsRepo(db)],
])('MerchantRepository contract: %s', (_name, make) => {
  async function created(repo: MerchantRepository) {
    const m = aMerchant();
    await repo.create(
      m,
      aKey(m.id, 1),
      [
        {
          step: 'ledger_fee_plan',
          rules: [
            { method: 'card', percentBps: 250, fixed: [{ amountMinor: 30n, currency: 'KGS' }] },
          ],
        },
        { step: 'notifier_endpoint' },
      ],
      { webhook: 'whsec_contract_0123456789', form: 'fsk_contract_0123456789' },
      null,
    );
    return m;
  }

  it('keeps steps pending until delivered, and a newer version wins over an old delivery', async () => {
    const repo = make();
    const m = await created(repo);
    expect((await repo.findById(m.id))?.pendingSteps).toEqual([
      'ledger_fee_plan',
      'notifier_endpoint',
    ]);
    const due = await repo.dueOnboardingSteps(at, 10, m.id);
    expect(due.map((d) => d.step)).toEqual(
      expect.arrayContaining([
        {
          step: 'ledger_fee_plan',
          rules: [
            { method: 'card', percentBps: 250, fixed: [{ amountMinor: 30n, currency: 'KGS' }] },
          ],
        },
        { step: 'notifier_endpoint' },
      ]),
    );
    const plan = due.find((d) => d.step.step === 'ledger_fee_plan');
    await repo.update(m.id, { name: 'New' }, [{ step: 'ledger_fee_plan', rules: [] }], at);
    await repo.markStepDelivered(m.id, 'ledger_fee_plan', plan?.version ?? 0, at);
    expect((await repo.findById(m.id))?.pendingSteps).toContain('ledger_fee_plan');
    const failedAt = new Date(at.getTime() + 1);
    const [fresh] = (await repo.dueOnboardingSteps(at, 10, m.id)).filter(
      (d) => d.step.step === 'ledger_fee_plan',
    );
    await repo.markStepFailed(
      m.id,
      'ledger_fee_plan',
      fresh?.version ?? 0,
      'down',
      new Date(at.getTime() + 60_000),
    );
    expect((await repo.dueOnboardingSteps(failedAt, 10, m.id)).map((d) => d.step.step)).toEqual([
      'notifier_endpoint',
    ]);
    await repo.markStepDelivered(m.id, 'ledger_fee_plan', fresh?.version ?? 0, at);
    await repo.markStepDelivered(m.id, 'notifier_endpoint', 1, at);
    expect(await repo.findById(m.id)).toMatchObject({ name: 'New', pendingSteps: [] });
  });

  it('lists a merchant’s keys newest first, a page at a time', async () => {
    const repo = make();
    const m = await created(repo);
    for (const n of [2, 3, 4]) await repo.insertApiKey(aKey(m.id, n), `ik-${m.id}-${n}`);
    const ids = (n: number[]) => n.map((i) => aKey(m.id, i).id);
    const page = (limit: number, startingAfter: string) =>
      repo.listApiKeys(m.id, { limit, startingAfter }).then((keys) => keys.map((k) => k.id));
    expect(await page(2, '')).toEqual(ids([4, 3]));
    expect(await page(2, aKey(m.id, 3).id)).toEqual(ids([2, 1]));
    expect(await page(2, aKey(m.id, 1).id)).toEqual([]);
  });

  it('revokes and rolls only a key of the named merchant, a rolled key once', async () => {
    const repo = make();
    const a = await created(repo);
    const b = await created(repo);
    expect(await repo.revokeApiKey(a.id, aKey(b.id, 1).id, at)).toBeUndefined();
    expect(await repo.rollApiKey(a.id, aKey(b.id, 1).id, aKey(a.id, 9), at, at)).toBeUndefined();
    const expiry = new Date(at.getTime() + 3_600_000);
    const rolled = await repo.rollApiKey(a.id, aKey(a.id, 1).id, aKey(a.id, 2), expiry, at);
    expect(rolled).toMatchObject({ old: { expiresAt: expiry, rolledTo: aKey(a.id, 2).id } });
    expect(await repo.rollApiKey(a.id, aKey(a.id, 1).id, aKey(a.id, 3), expiry, at)).toBe(
      'not_active',
    );
    expect((await repo.findApiKeyByHash(aKey(a.id, 2).keyHash))?.merchantId).toBe(a.id);
    const revoked = await repo.revokeApiKey(a.id, aKey(a.id, 2).id, at);
    const again = await repo.revokeApiKey(a.id, aKey(a.id, 2).id, new Date(at.getTime() + 5));
    expect(again?.revokedAt).toEqual(revoked?.revokedAt);
    expect(
      (await repo.listApiKeys(a.id, { limit: 100, startingAfter: '' })).map((k) => k.id).sort(),
    ).toEqual([aKey(a.id, 1).id, aKey(a.id, 2).id].sort());
    expect((await repo.findApiKey(a.id, aKey(a.id, 2).id))?.revokedAt).toEqual(revoked?.revokedAt);
    expect(await repo.findApiKey('mer_other', aKey(a.id, 2).id)).toBeUndefined();
  });

  it('rotates secrets keeping the replaced one with its expiry', async () => {
    const repo = make();
    const m = await created(repo);
    const until = new Date(at.getTime() + 60_000);
    const rot = (idempotencyKey: string) => ({ idempotencyKey, overlapSeconds: 60 });
    const first = await repo.rotateSecret(
      m.id,
      'form',
      'fsk_next_0123456789',
      until,
      at,
      rot('f1'),
    );
    expect(first?.kind).toBe('rotated');
    // The same key again: nothing changes, the secret it made comes back.
    expect(
      await repo.rotateSecret(m.id, 'form', 'fsk_other_0123456789', until, at, rot('f1')),
    ).toMatchObject({ kind: 'replayed', secret: 'fsk_next_0123456789', previousExpiresAt: until });
    expect(
      await repo.rotateSecret(m.id, 'webhook', 'whsec_x_0123456789', until, at, rot('f1')),
    ).toEqual({ kind: 'key_reused', reason: 'other_request' });
    expect(await repo.formSecrets(m.id)).toEqual({
      current: 'fsk_next_0123456789',
      previous: { secret: 'fsk_contract_0123456789', expiresAt: until },
    });
    const after = await repo.rotateSecret(
      m.id,
      'webhook',
      'whsec_next_0123456789',
      until,
      at,
      rot('w1'),
    );
    expect(after?.kind === 'rotated' && after.merchant.pendingSteps).toContain('notifier_endpoint');
    expect(await repo.webhookTarget(m.id)).toEqual({
      url: 'https://c.example/hook',
      secret: 'whsec_next_0123456789',
      previous: { secret: 'whsec_contract_0123456789', expiresAt: until },
    });
    expect(
      await repo.rotateSecret('mer_missing', 'form', 'x', until, at, rot('m1')),
    ).toBeUndefined();
    await repo.rotateSecret(m.id, 'form', 'fsk_third_0123456789', until, at, rot('f2'));
    expect(
      await repo.rotateSecret(m.id, 'form', 'fsk_next_0123456789', until, at, rot('f1')),
    ).toEqual({ kind: 'key_reused', reason: 'superseded' });
  });
});

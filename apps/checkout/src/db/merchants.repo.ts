import { createHash } from 'node:crypto';

import type { Knex } from '@tolem/db-kit';

import type { ApiKeyMode, ApiKeyRecord } from '../domain/api-key';
import type {
  FeeRule,
  Merchant,
  OnboardingStep,
  OnboardingStepName,
  VatRate,
} from '../domain/merchant';
import type { PaymentMethod } from '../domain/payment';
import type { DueOnboardingStep, MerchantRepository, SecretRotationOutcome } from '../domain/ports';

interface MerchantRow {
  id: string;
  name: string;
  enabled_methods: PaymentMethod[];
  webmoney_shop_id: string;
  default_success_url: string;
  default_fail_url: string;
  vat_rate: VatRate;
  notification_url: string;
  webhook_secret: string;
  webhook_secret_previous: string | null;
  webhook_secret_previous_expires_at: Date | null;
  form_secret: string;
  form_secret_previous: string | null;
  form_secret_previous_expires_at: Date | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  created_at: Date;
  updated_at: Date;
  /** From the select below: the steps a peer has not taken yet. */
  pending_steps?: OnboardingStepName[] | null;
}

interface ApiKeyRow {
  id: string;
  merchant_id: string;
  mode: ApiKeyMode;
  name: string;
  key_prefix: string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
  expires_at: Date | null;
  rolled_to: string | null;
}

interface StepRow {
  merchant_id: string;
  step: OnboardingStepName;
  payload: StepPayload;
  version: number;
  attempts: number;
}

/** Money as decimal strings in JSON, never a JSON number. */
type StepPayload =
  | {
      rules: {
        method: PaymentMethod;
        percent_bps: number;
        fixed: { minor: string; currency: string }[];
      }[];
    }
  | { allow_negative_balance: boolean }
  | Record<string, never>;

function payloadOf(step: OnboardingStep): StepPayload {
  switch (step.step) {
    case 'ledger_fee_plan':
      return {
        rules: step.rules.map((r) => ({
          method: r.method,
          percent_bps: r.percentBps,
          fixed: r.fixed.map((f) => ({ minor: f.amountMinor.toString(), currency: f.currency })),
        })),
      };
    case 'ledger_settings':
      return { allow_negative_balance: step.allowNegativeBalance };
    case 'notifier_endpoint':
      return {};
  }
}

function stepOf(name: OnboardingStepName, payload: StepPayload): OnboardingStep {
  switch (name) {
    case 'ledger_fee_plan': {
      const rules = 'rules' in payload ? payload.rules : [];
      return {
        step: name,
        rules: rules.map(
          (r): FeeRule => ({
            method: r.method,
            percentBps: r.percent_bps,
            fixed: r.fixed.map((f) => ({ amountMinor: BigInt(f.minor), currency: f.currency })),
          }),
        ),
      };
    }
    case 'ledger_settings':
      return {
        step: name,
        allowNegativeBalance: 'allow_negative_balance' in payload && payload.allow_negative_balance,
      };
    case 'notifier_endpoint':
      return { step: name };
  }
}

function toDomain(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    enabledMethods: [...row.enabled_methods],
    webmoneyShopId: row.webmoney_shop_id,
    defaultSuccessUrl: row.default_success_url,
    defaultFailUrl: row.default_fail_url,
    vatRate: row.vat_rate,
    notificationUrl: row.notification_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pendingSteps: [...(row.pending_steps ?? [])].sort(),
  };
}

function keyToDomain(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    name: row.name,
    keyPrefix: row.key_prefix,
    keyHash: row.key_hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
    rolledTo: row.rolled_to,
  };
}

function keyToRow(key: ApiKeyRecord): ApiKeyRow {
  return {
    id: key.id,
    merchant_id: key.merchantId,
    mode: key.mode,
    name: key.name,
    key_prefix: key.keyPrefix,
    key_hash: key.keyHash,
    created_at: key.createdAt,
    revoked_at: key.revokedAt,
    expires_at: key.expiresAt,
    rolled_to: key.rolledTo,
  };
}

/** A replaced secret, or undefined when there is none (expiry is checked by the caller). */
function previousOf(
  secret: string | null,
  expiresAt: Date | null,
): { secret: string; expiresAt: Date } | undefined {
  return secret && expiresAt ? { secret, expiresAt } : undefined;
}

const PENDING_STEPS = `array(select s.step from merchant_onboarding_steps s
  where s.merchant_id = merchants.id and s.delivered_at is null) as pending_steps`;

/** Queues (or requeues with a new version) each step of a merchant. */
async function queueSteps(
  trx: Knex.Transaction,
  merchantId: string,
  steps: OnboardingStep[],
  at: Date,
): Promise<void> {
  for (const step of steps) {
    await trx.raw(
      `insert into merchant_onboarding_steps (merchant_id, step, payload, next_attempt_at)
       values (?, ?, ?::jsonb, ?)
       on conflict (merchant_id, step) do update
         set payload = excluded.payload, version = merchant_onboarding_steps.version + 1,
             attempts = 0, last_error = '', next_attempt_at = excluded.next_attempt_at,
             delivered_at = null`,
      [merchantId, step.step, JSON.stringify(payloadOf(step)), at],
    );
  }
}

export function createMerchantsRepo(db: Knex): MerchantRepository {
  const selectMerchant = (q: Knex) => q<MerchantRow>('merchants').select('*', q.raw(PENDING_STEPS));

  return {
    create(merchant, apiKey, steps, secrets, idempotency) {
      return db.transaction(async (trx) => {
        const inserted = (await trx<MerchantRow>('merchants')
          .insert({
            id: merchant.id,
            name: merchant.name,
            enabled_methods: merchant.enabledMethods,
            webmoney_shop_id: merchant.webmoneyShopId,
            default_success_url: merchant.defaultSuccessUrl,
            default_fail_url: merchant.defaultFailUrl,
            vat_rate: merchant.vatRate,
            notification_url: merchant.notificationUrl,
            webhook_secret: secrets.webhook,
            form_secret: secrets.form,
            idempotency_key: idempotency?.key ?? null,
            request_fingerprint: idempotency?.requestFingerprint ?? null,
            created_at: merchant.createdAt,
            updated_at: merchant.updatedAt,
          })
          .onConflict('idempotency_key')
          .ignore()
          .returning('*')) as MerchantRow[];
        const row = inserted[0];
        if (!row) {
          // A concurrent or earlier create with this key won; its row is committed by now.
          const existing = (await selectMerchant(trx)
            .where({ idempotency_key: idempotency?.key ?? '' })
            .first()) as MerchantRow | undefined;
          if (!existing) throw new Error('merchant vanished after a conflicting insert');
          return {
            created: false as const,
            merchant: toDomain(existing),
            requestFingerprint: existing.request_fingerprint ?? '',
          };
        }
        await trx<ApiKeyRow>('api_keys').insert(keyToRow({ ...apiKey, merchantId: row.id }));
        await queueSteps(trx, row.id, steps, merchant.createdAt);
        return {
          created: true as const,
          merchant: toDomain({ ...row, pending_steps: steps.map((s) => s.step) }),
        };
      });
    },

    async findById(id) {
      const row = (await selectMerchant(db).where({ id }).first()) as MerchantRow | undefined;
      return row ? toDomain(row) : undefined;
    },

    async list(afterId, limit) {
      const q = selectMerchant(db).orderBy('id').limit(limit);
      if (afterId) void q.where('id', '>', afterId);
      return ((await q) as MerchantRow[]).map(toDomain);
    },

    update(merchantId, patch, steps, at) {
      return db.transaction(async (trx) => {
        const changes: Partial<MerchantRow> = { updated_at: at };
        if (patch.name !== undefined) changes.name = patch.name;
        if (patch.enabledMethods !== undefined) changes.enabled_methods = patch.enabledMethods;
        if (patch.webmoneyShopId !== undefined) changes.webmoney_shop_id = patch.webmoneyShopId;
        if (patch.defaultSuccessUrl !== undefined)
          changes.default_success_url = patch.defaultSuccessUrl;
        if (patch.defaultFailUrl !== undefined) changes.default_fail_url = patch.defaultFailUrl;
        if (patch.vatRate !== undefined) changes.vat_rate = patch.vatRate;
        if (patch.notificationUrl !== undefined) changes.notification_url = patch.notificationUrl;
        const updated = await trx<MerchantRow>('merchants')
          .where({ id: merchantId })
          .update(changes);
        if (updated === 0) return undefined;
        await queueSteps(trx, merchantId, steps, at);
        const row = (await selectMerchant(trx).where({ id: merchantId }).first()) as MerchantRow;
        return toDomain(row);
      });
    },

    async webhookTarget(merchantId) {
      const row = (await db<MerchantRow>('merchants').where({ id: merchantId }).first()) as
        | MerchantRow
        | undefined;
      if (!row) return undefined;
      const previous = previousOf(
        row.webhook_secret_previous,
        row.webhook_secret_previous_expires_at,
      );
      return {
        url: row.notification_url,
        secret: row.webhook_secret,
        ...(previous ? { previous } : {}),
      };
    },

    async formSecrets(merchantId) {
      const row = (await db<MerchantRow>('merchants').where({ id: merchantId }).first()) as
        | MerchantRow
        | undefined;
      if (!row) return undefined;
      const previous = previousOf(row.form_secret_previous, row.form_secret_previous_expires_at);
      return { current: row.form_secret, ...(previous ? { previous } : {}) };
    },

    rotateSecret(merchantId, kind, secret, previousExpiresAt, at, rotation) {
      return db.transaction(async (trx): Promise<SecretRotationOutcome | undefined> => {
        const column = kind === 'form' ? 'form_secret' : 'webhook_secret';
        // Locked: rotations of one merchant serialise, so a retry waits for its first call and
        // two rotations never both keep the same previous secret.
        const locked = (await trx('merchants')
          .where({ id: merchantId })
          .forUpdate()
          .first(column)) as Record<string, string> | undefined;
        if (!locked) return undefined;
        const claimed = (await trx('merchant_secret_rotations')
          .insert({
            merchant_id: merchantId,
            idempotency_key: rotation.idempotencyKey,
            kind,
            overlap_seconds: rotation.overlapSeconds,
            secret_sha256: sha256(secret),
            previous_expires_at: previousExpiresAt,
            rotated_at: at,
          })
          .onConflict(['merchant_id', 'idempotency_key'])
          .ignore()
          .returning('merchant_id')) as unknown[];
        if (claimed.length === 0) {
          const prior = (await trx('merchant_secret_rotations')
            .where({ merchant_id: merchantId, idempotency_key: rotation.idempotencyKey })
            .first()) as
            | {
                kind: string;
                overlap_seconds: number;
                secret_sha256: string;
                previous_expires_at: Date;
              }
            | undefined;
          if (!prior || prior.kind !== kind || prior.overlap_seconds !== rotation.overlapSeconds) {
            return { kind: 'key_reused', reason: 'other_request' };
          }
          const current = locked[column] ?? '';
          if (prior.secret_sha256 !== sha256(current)) {
            return { kind: 'key_reused', reason: 'superseded' };
          }
          const row = (await selectMerchant(trx).where({ id: merchantId }).first()) as MerchantRow;
          return {
            kind: 'replayed',
            merchant: toDomain(row),
            secret: current,
            previousExpiresAt: prior.previous_expires_at,
          };
        }
        const updated = await trx('merchants')
          .where({ id: merchantId })
          .update({
            [`${column}_previous`]: trx.raw('??', [column]),
            [`${column}_previous_expires_at`]: previousExpiresAt,
            [column]: secret,
            updated_at: at,
          });
        if (updated === 0) return undefined;
        const row = (await selectMerchant(trx).where({ id: merchantId }).first()) as MerchantRow;
        if (kind === 'webhook' && row.notification_url !== '') {
          await queueSteps(trx, merchantId, [{ step: 'notifier_endpoint' }], at);
          row.pending_steps = [
            ...new Set([...(row.pending_steps ?? []), 'notifier_endpoint' as const]),
          ];
        }
        return { kind: 'rotated', merchant: toDomain(row) };
      });
    },

    async findApiKeyByHash(keyHash) {
      const row = (await db<ApiKeyRow>('api_keys').where({ key_hash: keyHash }).first()) as
        | ApiKeyRow
        | undefined;
      return row ? keyToDomain(row) : undefined;
    },

    async insertApiKey(key, idempotencyKey) {
      const inserted = (await db('api_keys')
        .insert({ ...keyToRow(key), idempotency_key: idempotencyKey })
        .onConflict(db.raw('(merchant_id, idempotency_key) where idempotency_key is not null'))
        .ignore()
        .returning('id')) as unknown[];
      if (inserted.length > 0) return { inserted: true };
      const row = (await db('api_keys')
        .where({ merchant_id: key.merchantId, idempotency_key: idempotencyKey })
        .first()) as ApiKeyRow;
      return { inserted: false, existing: keyToDomain(row) };
    },

    async listApiKeys(merchantId, page) {
      const q = db<ApiKeyRow>('api_keys').where({ merchant_id: merchantId });
      if (page.startingAfter) void q.andWhere('id', '<', page.startingAfter);
      const rows = (await q.orderBy('id', 'desc').limit(page.limit)) as ApiKeyRow[];
      return rows.map(keyToDomain);
    },

    async findApiKey(merchantId, keyId) {
      const row = (await db<ApiKeyRow>('api_keys')
        .where({ id: keyId, merchant_id: merchantId })
        .first()) as ApiKeyRow | undefined;
      return row ? keyToDomain(row) : undefined;
    },

    async revokeApiKey(merchantId, keyId, at) {
      const rows = (await db<ApiKeyRow>('api_keys')
        .where({ id: keyId, merchant_id: merchantId })
        .update({ revoked_at: db.raw('coalesce(revoked_at, ?)', [at]) as unknown as Date })
        .returning('*')) as ApiKeyRow[];
      const row = rows[0];
      return row ? keyToDomain(row) : undefined;
    },

    rollApiKey(merchantId, keyId, next, expiresAt, now) {
      return db.transaction(async (trx) => {
        const row = (await trx<ApiKeyRow>('api_keys')
          .where({ id: keyId, merchant_id: merchantId })
          .forUpdate()
          .first()) as ApiKeyRow | undefined;
        if (!row) return undefined;
        const usable =
          row.revoked_at === null &&
          row.rolled_to === null &&
          (row.expires_at === null || row.expires_at.getTime() > now.getTime());
        if (!usable) return 'not_active' as const;
        await trx<ApiKeyRow>('api_keys').insert(keyToRow(next));
        const [old] = (await trx<ApiKeyRow>('api_keys')
          .where({ id: keyId })
          .update({ expires_at: expiresAt, rolled_to: next.id })
          .returning('*')) as ApiKeyRow[];
        return { old: keyToDomain(old as ApiKeyRow) };
      });
    },

    async dueOnboardingSteps(now, limit, merchantId) {
      const q = db<StepRow>('merchant_onboarding_steps')
        .select('merchant_id', 'step', 'payload', 'version', 'attempts')
        .whereNull('delivered_at')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit);
      if (merchantId) void q.where({ merchant_id: merchantId });
      const rows = (await q) as StepRow[];
      return rows.map(
        (r): DueOnboardingStep => ({
          merchantId: r.merchant_id,
          step: stepOf(r.step, r.payload),
          version: r.version,
          attempts: r.attempts,
        }),
      );
    },

    async markStepDelivered(merchantId, step, version, at) {
      await db('merchant_onboarding_steps')
        .where({ merchant_id: merchantId, step, version })
        .update({ delivered_at: at, last_error: '' });
    },

    async markStepFailed(merchantId, step, version, error, nextAttemptAt) {
      await db('merchant_onboarding_steps')
        .where({ merchant_id: merchantId, step, version })
        .whereNull('delivered_at')
        .update({
          attempts: db.raw('attempts + 1'),
          last_error: error,
          next_attempt_at: nextAttemptAt,
        });
    },
  };
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

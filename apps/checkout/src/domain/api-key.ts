import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { checkoutErrors } from './errors';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
/** Shown in dashboards so a merchant can tell keys apart without the secret part. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

const API_KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{32}$/;

/**
 * `test`: what the key creates is livemode false and pays through the provider sandbox only.
 * `live`: never reaches a sandbox.
 */
export type ApiKeyMode = 'test' | 'live';

/** A rolled key keeps working this long unless the operator says otherwise. */
export const DEFAULT_ROLL_EXPIRY_MS = 24 * 60 * 60 * 1000;
export const MAX_ROLL_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;
export const API_KEY_NAME_MAX = 100;

/** An API key as stored: never the key itself, only its sha256. */
export interface ApiKeyRecord {
  /** `key_…` */
  id: string;
  merchantId: string;
  mode: ApiKeyMode;
  name: string;
  keyPrefix: string;
  keyHash: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** Set by a roll: the key stops working then. */
  expiresAt: Date | null;
  /** The key that replaced this one. */
  rolledTo: string | null;
}

/** `sk_<mode>_` + 32 base62 characters (~190 bits); rejection sampling keeps it unbiased. */
export function generateApiKey(mode: ApiKeyMode = 'test'): string {
  let out = '';
  while (out.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < RANDOM_LENGTH) out += BASE62[byte % 62];
    }
  }
  return `sk_${mode}_${out}`;
}

export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** The mode a key's prefix names; undefined for a malformed key. */
export function modeOfApiKey(key: string): ApiKeyMode | undefined {
  const m = API_KEY_PATTERN.exec(key);
  return m ? (m[1] as ApiKeyMode) : undefined;
}

/** Only this hash is stored; the key itself is shown once. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH);
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why a stored key does not authenticate now, or `usable`. */
export function apiKeyState(key: ApiKeyRecord, now: Date): 'usable' | 'revoked' | 'expired' {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'usable';
}

/** The old key's expiry for a roll: 0 means the default 24 h; longer than 30 days is refused. */
export function rollExpiry(now: Date, expiresInSeconds: number): Date {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 0) {
    throw checkoutErrors.create('API_KEY_INVALID_REQUEST', 'expires_in_seconds must be >= 0', {
      details: { field: 'expires_in_seconds' },
    });
  }
  const ms = expiresInSeconds === 0 ? DEFAULT_ROLL_EXPIRY_MS : expiresInSeconds * 1000;
  if (ms > MAX_ROLL_EXPIRY_MS) {
    throw checkoutErrors.create(
      'API_KEY_INVALID_REQUEST',
      'expires_in_seconds is longer than 30 days',
      { details: { field: 'expires_in_seconds' } },
    );
  }
  return new Date(now.getTime() + ms);
}

export function checkApiKeyName(name: string): void {
  if (name.length > API_KEY_NAME_MAX) {
    throw checkoutErrors.create('API_KEY_INVALID_REQUEST', 'name is longer than 100 characters', {
      details: { field: 'name' },
    });
  }
}

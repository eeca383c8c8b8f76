import { createHash } from 'node:crypto';

/** The merchant's Wavepay wallets Paykassma hands out as requisites (Myanmar mobile numbers). */
export const MERCHANT_WALLETS: readonly string[] = ['09790000101', '09790000102', '09790000103'];
export const MERCHANT_WALLET_NAME = 'Tolem Sandbox Merchant';

/** The requisites shown to one payer: the same wallet for the same label. */
export function walletFor(label: string): string {
  const n = createHash('sha256').update(label).digest()[0] ?? 0;
  return MERCHANT_WALLETS[n % MERCHANT_WALLETS.length] as string;
}

/** A payment made in the Wavepay app; its transaction number is what the payer types as key1. */
export interface WalletTransfer {
  /** Wavepay's transaction number: 10 digits (key1 allows at most 11). */
  key1: string;
  to: string;
  /** Whole kyat. */
  amount: bigint;
  createdAt: Date;
}

export interface WalletApp {
  pay(to: string, amount: bigint, now: Date): WalletTransfer;
  get(key1: string): WalletTransfer | undefined;
}

const EPOCH_MS = Date.UTC(2024, 0, 1);

/**
 * The payer's Wavepay app. Numbers count tenths of a second since 2024, so a restarted sandbox
 * does not repeat one unless it issued more than ten a second for long.
 */
export function createWalletApp(clock: () => Date, maxTransfers = 50_000): WalletApp {
  const transfers = new Map<string, WalletTransfer>();
  let last = 0;
  return {
    pay(to, amount, now) {
      last = Math.max(last + 1, Math.floor((clock().getTime() - EPOCH_MS) / 100));
      const transfer: WalletTransfer = {
        key1: String(last % 10_000_000_000).padStart(10, '0'),
        to,
        amount,
        createdAt: now,
      };
      transfers.set(transfer.key1, transfer);
      while (transfers.size > maxTransfers) {
        const oldest = transfers.keys().next().value;
        if (oldest === undefined) break;
        transfers.delete(oldest);
      }
      return transfer;
    },
    get: (key1) => transfers.get(key1),
  };
}

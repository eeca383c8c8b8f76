import { createHash, randomUUID } from 'node:crypto';

import { decimalFromMinor } from '../decimal';
import type { ValidReceiptRequest } from './validate';

/** YooKassa's receipt object, as the register answers it. */
export interface CashboxReceipt {
  id: string;
  type: 'payment' | 'refund';
  payment_id?: string;
  refund_id?: string;
  status: 'succeeded';
  fiscal_document_number: string;
  fiscal_storage_number: string;
  fiscal_attribute: string;
  registered_at: string;
  fiscal_provider_id: string;
  items: Array<{
    description: string;
    quantity: string;
    amount: { value: string; currency: 'RUB' };
    vat_code: number;
    payment_subject: string;
    payment_mode: string;
  }>;
  settlements: Array<{ type: string; amount: { value: string; currency: 'RUB' } }>;
  tax_system_code?: number;
}

/** What the sandbox shows about one registered receipt (GET /_sandbox/cashbox/receipts). */
export interface ReceivedReceipt {
  receipt: CashboxReceipt;
  idempotenceKey: string;
  /** The customer as sent (a sandbox shows it; a real register would mail the receipt there). */
  customer: ValidReceiptRequest['customer'];
  receivedAt: Date;
  /** POSTs with this receipt's key, the first included: more than 1 means resends were replayed. */
  requests: number;
}

interface Remembered {
  fingerprint: string;
  receiptId: string;
  at: Date;
}

/** YooKassa keeps an Idempotence-Key for 24 hours after the first request. */
export const IDEMPOTENCE_TTL_MS = 24 * 3_600_000;

/** The register's single fiscal drive (ФН): a 16-digit number, invented. */
export const FISCAL_STORAGE_NUMBER = '9999078902004567';

/** Canonical JSON (sorted keys), so the same data in another key order is the same request. */
export function fingerprint(body: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

export type RegisterResult =
  | { kind: 'created'; entry: ReceivedReceipt }
  | { kind: 'replayed'; entry: ReceivedReceipt }
  | { kind: 'key_conflict' };

export interface CashboxStore {
  /**
   * Registers a receipt under an Idempotence-Key: the same key with the same body answers the
   * first receipt again (nothing new is registered); with another body it is a conflict.
   */
  register(key: string, body: unknown, request: ValidReceiptRequest): RegisterResult;
  /** A key seen before: the remembered receipt (replay) or a conflict; undefined when new. */
  recall(key: string, body: unknown): RegisterResult | undefined;
  get(id: string): ReceivedReceipt | undefined;
  /** Newest first. */
  list(): ReceivedReceipt[];
}

export function createCashboxStore(clock: () => Date): CashboxStore {
  const byId = new Map<string, ReceivedReceipt>();
  const byKey = new Map<string, Remembered>();
  let documentNumber = 0;

  function forget(now: Date): void {
    for (const [key, r] of byKey) {
      if (now.getTime() - r.at.getTime() > IDEMPOTENCE_TTL_MS) byKey.delete(key);
    }
  }

  function recall(key: string, body: unknown): RegisterResult | undefined {
    forget(clock());
    const known = byKey.get(key);
    if (!known) return undefined;
    if (known.fingerprint !== fingerprint(body)) return { kind: 'key_conflict' };
    const entry = byId.get(known.receiptId) as ReceivedReceipt;
    entry.requests += 1;
    return { kind: 'replayed', entry };
  }

  return {
    recall,
    register(key, body, req) {
      const seen = recall(key, body);
      if (seen) return seen;
      const now = clock();
      const id = `rt-${randomUUID()}`;
      documentNumber += 1;
      const attribute = BigInt(`0x${createHash('sha256').update(id).digest('hex').slice(0, 12)}`);
      const money = (minor: bigint) => ({
        value: decimalFromMinor(minor, 2),
        currency: 'RUB' as const,
      });
      const receipt: CashboxReceipt = {
        id,
        type: req.type,
        ...(req.type === 'payment' ? { payment_id: req.paymentId } : { refund_id: req.refundId }),
        status: 'succeeded',
        fiscal_document_number: String(documentNumber),
        fiscal_storage_number: FISCAL_STORAGE_NUMBER,
        fiscal_attribute: String(attribute % 10_000_000_000n).padStart(10, '0'),
        registered_at: now.toISOString(),
        fiscal_provider_id: randomUUID(),
        items: req.items.map((i) => ({
          description: i.description,
          quantity: i.quantity,
          amount: money(i.unitMinor),
          vat_code: i.vatCode,
          payment_subject: i.paymentSubject,
          payment_mode: i.paymentMode,
        })),
        settlements: req.settlements.map((s) => ({ type: s.type, amount: money(s.amountMinor) })),
        ...(req.taxSystemCode !== undefined ? { tax_system_code: req.taxSystemCode } : {}),
      };
      const entry: ReceivedReceipt = {
        receipt,
        idempotenceKey: key,
        customer: req.customer,
        receivedAt: now,
        requests: 1,
      };
      byId.set(id, entry);
      byKey.set(key, { fingerprint: fingerprint(body), receiptId: id, at: now });
      return { kind: 'created', entry };
    },
    get: (id) => byId.get(id),
    list: () => [...byId.values()].reverse(),
  };
}

/**
 * Test faults: the next `failNext` POSTs answer `failStatus` before registering anything; the
 * next `delayNext` POSTs register, then wait `delayMs` before answering (a client that timed out
 * resends, and must get the same receipt back rather than a second one).
 */
export interface CashboxFaults {
  failNext: number;
  failStatus: number;
  delayNext: number;
  delayMs: number;
}

export function noFaults(): CashboxFaults {
  return { failNext: 0, failStatus: 500, delayNext: 0, delayMs: 0 };
}

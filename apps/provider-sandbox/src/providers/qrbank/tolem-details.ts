import { z } from 'zod';

import type { ElqrPayment, ExtraField } from './elqr';
import { qrbankErrors } from './errors';

/**
 * What Tolem tells a payer's bank about a scanned code before the bank debits the payer: Tolem's
 * public `GET /qr/v1/details?payload=<payload or link>` (design issue 12, flow 5). The bank shows
 * this, not only what it decoded, and refuses a code Tolem does not know or says cannot be paid.
 */
export interface QrDetails {
  qrCodeId: string;
  kind: 'static' | 'dynamic';
  status: 'active' | 'paid' | 'expired';
  merchantName: string;
  /** Tyiyn; undefined for a static code (the payer enters the amount). */
  amountTyiyn?: bigint;
  currency: 'KGS';
  description: string;
  label: string;
  expiresAt?: Date;
  visibleFields: ExtraField[];
}

const answer = z.object({
  object: z.literal('qr_details'),
  qr_code_id: z.string().min(1),
  kind: z.enum(['static', 'dynamic']),
  status: z.enum(['active', 'paid', 'expired']),
  merchant_name: z.string(),
  amount: z.number().int().nonnegative().max(9_999_999_999_999).nullable(),
  currency: z.literal('KGS'),
  // Tolem writes null for an empty description or label.
  description: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  label: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  expires_at: z.string().datetime({ offset: true }).nullish(),
  visible_fields: z
    .array(z.object({ key: z.string(), label: z.string(), value: z.string(), title: z.string() }))
    .default([]),
});

/** The gateway's one error shape; only the code is read. */
const errorAnswer = z.object({ error: z.object({ code: z.string() }) });

export interface TolemQrDetails {
  /** Tolem's details of the code, or a QRBANK_* error; never a guess. */
  lookup(qr: ElqrPayment): Promise<QrDetails>;
}

function unavailable(reason: string): never {
  throw qrbankErrors.create(
    'QRBANK_TOLEM_UNAVAILABLE',
    `Cannot check this code with Tolem (${reason}); nothing was paid, try again later`,
    { details: { reason } },
  );
}

/** `baseUrl`: Tolem's public base URL (the gateway), e.g. https://api.tolem.example */
export function createTolemQrDetails(options: {
  baseUrl: string;
  timeoutMs: number;
}): TolemQrDetails {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async lookup(qr) {
      // The decoded payload text, not the link: it is what Tolem signed into the code.
      const url = `${base}/qr/v1/details?payload=${encodeURIComponent(qr.payload)}`;
      let status: number;
      let text: string;
      try {
        const res = await fetch(url, {
          headers: { accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        return unavailable(cause ?? (err as Error).name ?? 'network error');
      }
      if (status === 200) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return unavailable('answer is not JSON');
        }
        const parsed = answer.safeParse(json);
        if (!parsed.success) return unavailable('answer is not qr_details');
        return detailsOf(parsed.data);
      }
      const code = errorAnswer.safeParse(safeJson(text)).data?.error.code ?? '';
      if (status === 404) {
        throw qrbankErrors.create(
          'QRBANK_CODE_UNKNOWN',
          'Tolem did not issue this QR code; it cannot be paid',
          { details: { qr_id: qr.qrId, ...(code ? { tolem_code: code } : {}) } },
        );
      }
      if (status === 400 || status === 422) {
        throw qrbankErrors.create('QRBANK_PAYLOAD_INVALID', `Tolem refused this code (${code})`, {
          details: { field: 'link', ...(code ? { tolem_code: code } : {}) },
        });
      }
      return unavailable(`HTTP ${status}${code ? ` ${code}` : ''}`);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function detailsOf(a: z.infer<typeof answer>): QrDetails {
  const details: QrDetails = {
    qrCodeId: a.qr_code_id,
    kind: a.kind,
    status: a.status,
    merchantName: a.merchant_name,
    currency: a.currency,
    description: a.description,
    label: a.label,
    visibleFields: a.visible_fields,
  };
  // 0 is how a static link writes "no amount" (protocols.md §5.2).
  if (a.amount !== null && a.amount > 0) details.amountTyiyn = BigInt(a.amount);
  if (a.expires_at !== null && a.expires_at !== undefined)
    details.expiresAt = new Date(a.expires_at);
  return details;
}

/**
 * The bank pays only an active code whose amount agrees with what it decoded: a paid or expired
 * code is refused (409 QRBANK_CODE_NOT_PAYABLE, details.status), and so is a code whose text and
 * Tolem's record disagree on the amount (the payer would confirm one and be debited another).
 */
export function assertPayable(qr: ElqrPayment, details: QrDetails): void {
  if (details.status !== 'active') {
    const why = details.status === 'paid' ? 'is already paid' : 'has expired';
    throw qrbankErrors.create('QRBANK_CODE_NOT_PAYABLE', `This QR code ${why}`, {
      details: { qr_code_id: details.qrCodeId, status: details.status },
    });
  }
  if (
    details.kind === 'dynamic' &&
    !qr.amountEditable &&
    qr.amountTyiyn !== undefined &&
    details.amountTyiyn !== qr.amountTyiyn
  ) {
    throw qrbankErrors.create(
      'QRBANK_DETAILS_MISMATCH',
      "The code's amount and Tolem's differ; it cannot be paid",
      { details: { qr_code_id: details.qrCodeId, field: 'amount' } },
    );
  }
}

/** The details as the JSON test API reports them (amount a string, like the bank's payments). */
export function detailsJson(d: QrDetails) {
  return {
    qr_code_id: d.qrCodeId,
    kind: d.kind,
    status: d.status,
    merchant_name: d.merchantName,
    amount: d.amountTyiyn === undefined ? null : String(d.amountTyiyn),
    currency: d.currency,
    description: d.description,
    label: d.label,
    expires_at: d.expiresAt?.toISOString() ?? null,
    visible_fields: d.visibleFields,
  };
}

import {
  type Case,
  type CaseAuditEntry,
  type CaseCallback,
  CaseStatus,
} from '@tolem/contracts/checkout';
import { paymentMethodName, providerName } from '@tolem/contracts/common';
import { money, toMajorString } from '@tolem/money';

/** The CLI's spelling of each case status (as the gateway's `?status=`). */
export const CASE_STATUS_NAMES = {
  opening: CaseStatus.CASE_STATUS_OPENING,
  open: CaseStatus.CASE_STATUS_OPEN,
  applied: CaseStatus.CASE_STATUS_APPLIED,
  returned: CaseStatus.CASE_STATUS_RETURNED,
} as const;

export type CaseStatusName = keyof typeof CASE_STATUS_NAMES;

export function isCaseStatusName(value: string): value is CaseStatusName {
  return Object.prototype.hasOwnProperty.call(CASE_STATUS_NAMES, value);
}

export function statusName(status: CaseStatus): string {
  const found = Object.entries(CASE_STATUS_NAMES).find(([, s]) => s === status);
  return found ? found[0] : 'unknown';
}

/** `15.00 USD`: major units for reading only (never parsed back); minor units if the code is unknown. */
export function moneyText(m: { amountMinor: bigint; currency: string } | undefined): string {
  if (!m) return '-';
  try {
    return `${toMajorString(money(m.amountMinor, m.currency))} ${m.currency}`;
  } catch {
    return `${m.amountMinor} minor ${m.currency}`;
  }
}

const time = (d: Date | undefined): string =>
  d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')
    : '-';

const orDash = (s: string): string => (s === '' ? '-' : s);

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One line per case, newest first, as ListCases answers. */
export function caseTable(cases: Case[]): string[] {
  if (cases.length === 0) return ['No cases.'];
  return table(
    ['ID', 'STATUS', 'KIND', 'PAYMENT', 'AMOUNT', 'EXPECTED', 'PROVIDER', 'CREATED'],
    cases.map((c) => [
      c.id,
      statusName(c.status),
      c.kind,
      c.paymentId,
      moneyText(c.amount),
      moneyText(c.expected),
      providerName(c.provider) ?? '-',
      time(c.createdAt),
    ]),
  );
}

/** Everything an operator needs to decide: the payment, the provider's reference, the money. */
export function caseDetail(
  c: Case,
  audit: CaseAuditEntry[] | null,
  callback?: CaseCallback,
): string[] {
  const attributes = Object.entries(c.providerAttributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const minor = (m: { amountMinor: bigint } | undefined) =>
    m ? ` (${m.amountMinor} minor units)` : '';
  const lines = table(
    ['Case', c.id],
    [
      ['Status', statusName(c.status)],
      ['Kind', c.kind],
      ['Reason', orDash(c.reason)],
      ['Payment', c.paymentId],
      ['Merchant', c.merchantId],
      ['Payment was', orDash(c.paymentStatus)],
      ['Provider', providerName(c.provider) ?? '-'],
      ['Method', paymentMethodName(c.method) ?? '-'],
      ['Provider ref', orDash(c.providerPaymentId)],
      ['Amount', `${moneyText(c.amount)}${minor(c.amount)}`],
      ['Expected', `${moneyText(c.expected)}${minor(c.expected)}`],
      ['Callback', orDash(c.callbackId)],
      ['Attributes', orDash(attributes)],
      ['Return ref', orDash(c.returnReference)],
      ['Created', time(c.createdAt)],
      ['Resolved', time(c.resolvedAt)],
    ],
  );
  if (audit === null) return lines;
  return [
    ...lines,
    '',
    'Audit trail:',
    ...(audit.length === 0
      ? ['  (none)']
      : table(
          ['  AT', 'ACTION', 'ACTOR', 'DETAIL'],
          audit.map((e) => [`  ${time(e.at)}`, e.action, orDash(e.actor), e.detail]),
        )),
    ...(callback ? ['', ...callbackLines(callback)] : []),
  ];
}

/** The raw callback as the provider sent it: request line, headers, body (text when UTF-8). */
function callbackLines(cb: CaseCallback): string[] {
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(cb.body);
  } catch {
    body = `(base64) ${Buffer.from(cb.body).toString('base64')}`;
  }
  return [
    `Raw callback ${cb.callbackId} (${time(cb.receivedAt)}, ${orDash(cb.verdict)}${
      cb.reasonCode ? ` ${cb.reasonCode}` : ''
    }):`,
    `  ${cb.method} ${cb.path}${cb.query ? `?${cb.query}` : ''}`,
    ...Object.entries(cb.headers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `  ${k}: ${v}`),
    `  ${body}`,
  ];
}

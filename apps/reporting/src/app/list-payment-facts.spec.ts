import { describe, expect, it } from 'vitest';

import { inMemoryReporting } from '../../test/fakes/in-memory-store';
import type { PaymentFact } from '../domain/payment-fact';
import { makeExportFactsCsv } from './export-facts-csv';
import { makeGetPaymentFact } from './get-payment-fact';
import { makeListPaymentFacts } from './list-payment-facts';

function fact(i: number, merchantId = 'mer_1'): PaymentFact {
  return {
    paymentId: `pay_${String(i).padStart(2, '0')}`,
    merchantId,
    orderId: '',
    status: 'succeeded',
    failureCode: '',
    grossMinor: BigInt(i),
    feeMinor: 0n,
    netMinor: BigInt(i),
    currency: 'KGS',
    method: 'qr',
    provider: 'qr_acquirer',
    providerPaymentId: '',
    providerAttributes: {},
    lastEventId: `evt_${i}`,
    lastSequence: 1n,
    // Two facts per hour, so paging must break ties on payment_id.
    occurredAt: new Date(Date.UTC(2026, 2, 1, Math.floor(i / 2))),
    updatedAt: new Date(Date.UTC(2026, 2, 1)),
    createdAt: new Date('2026-03-01T00:00:00Z'),
    history: [],
    seenSequences: [1n],
    statusSequence: 1n,
    amountsSequence: 1n,
    feeSequence: 1n,
    livemode: false,
  };
}

async function seeded(n: number) {
  const store = inMemoryReporting();
  for (let i = 0; i < n; i += 1) await store.facts.save(fact(i), true);
  await store.facts.save(fact(99, 'mer_other'), true);
  return store;
}

describe('listPaymentFacts', () => {
  it('pages a time range newest first without gaps or repeats', async () => {
    const list = makeListPaymentFacts(await seeded(20));
    const from = new Date(Date.UTC(2026, 2, 1, 2));
    const to = new Date(Date.UTC(2026, 2, 1, 8));
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await list({ merchantId: 'mer_1', from, to, pageSize: 3, pageToken });
      seen.push(...page.facts.map((f) => f.paymentId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([
      'pay_15',
      'pay_14',
      'pay_13',
      'pay_12',
      'pay_11',
      'pay_10',
      'pay_09',
      'pay_08',
      'pay_07',
      'pay_06',
      'pay_05',
      'pay_04',
    ]);
  });

  it('refuses a missing merchant, an inverted range, a negative page size and a forged token', async () => {
    const list = makeListPaymentFacts(await seeded(1));
    const base = {
      merchantId: 'mer_1',
      from: undefined,
      to: undefined,
      pageSize: 10,
      pageToken: '',
    };
    await expect(list({ ...base, merchantId: '' })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
      details: { field: 'merchant_id' },
    });
    await expect(list({ ...base, from: new Date(2), to: new Date(1) })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
    });
    await expect(list({ ...base, pageSize: -1 })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
    });
    await expect(list({ ...base, pageToken: 'nope' })).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
      details: { field: 'page_token' },
    });
    const forged = { v: 1, o: '+275760-09-13T00:00:00.000Z', p: 'pay_1' };
    await expect(
      list({ ...base, pageToken: Buffer.from(JSON.stringify(forged)).toString('base64url') }),
    ).rejects.toMatchObject({
      code: 'REPORTING_INVALID_REQUEST',
      details: { field: 'page_token' },
    });
  });
});

describe('getPaymentFact', () => {
  it('returns the fact or REPORTING_FACT_NOT_FOUND', async () => {
    const get = makeGetPaymentFact(await seeded(2));
    expect((await get('pay_01')).grossMinor).toBe(1n);
    await expect(get('pay_missing')).rejects.toMatchObject({
      code: 'REPORTING_FACT_NOT_FOUND',
      kind: 'not_found',
    });
    await expect(get('')).rejects.toMatchObject({ code: 'REPORTING_FACT_NOT_FOUND' });
  });
});

describe('exportFactsCsv', () => {
  it('streams a header and every fact in range, oldest first, across pages', async () => {
    const exportCsv = makeExportFactsCsv({ facts: (await seeded(7)).facts, pageSize: 2 });
    const lines: string[] = [];
    for await (const line of exportCsv({
      merchantId: 'mer_1',
      from: new Date(Date.UTC(2026, 2, 1)),
      to: new Date(Date.UTC(2026, 2, 2)),
    })) {
      lines.push(line);
    }
    expect(lines[0]).toMatch(/^payment_id,merchant_id,order_id,status,gross_minor,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
      'pay_00',
      'pay_01',
      'pay_02',
      'pay_03',
      'pay_04',
      'pay_05',
      'pay_06',
    ]);
    expect(lines.every((l) => l.endsWith('\r\n'))).toBe(true);
  });
});

import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { Invoice } from './invoices';
import { eshopAccountOf, notificationFields, type NotifyTamper } from './notifications';
import { INVOICE_ID_HASH_ORDER, LEGACY_HASH_ORDER } from './signing';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
// 2024-01-02 03:04:05 in Moscow.
const AT = new Date('2024-01-02T00:04:05Z');

function invoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    paymentId: '3000000001',
    createdAt: AT,
    origin: 'form',
    status: 'paid',
    terms: {
      eshopId: '450000',
      orderId: 'ORDER-42',
      serviceName: 'Test order',
      recipientAmount: '100.00',
      amountMinor: 10000n,
      recipientCurrency: 'TST',
      userName: 'Ivan',
      userEmail: 'ivan@example.com',
      holdMode: false,
      recurringRequested: true,
      userFields: [['userField_1', 'gold']],
    },
    attempts: [],
    notifications: [],
    ...overrides,
  };
}

const build = (
  inv: Invoice,
  status: '3' | '5',
  tamper: NotifyTamper = 'none',
  order = LEGACY_HASH_ORDER,
) =>
  notificationFields({
    invoice: inv,
    status,
    at: AT,
    hashOrder: order,
    secretKey: 'secret123',
    tamper,
  });

describe('notificationFields', () => {
  it('sends the §3.4 fields in order and signs them with the legacy order', () => {
    const fields = build(
      invoice({ recurring: { state: 'Activated', bindingId: '3000000001' } }),
      '5',
    );
    expect(fields.map(([n]) => n)).toEqual([
      'eshopId',
      'paymentId',
      'orderId',
      'eshopAccount',
      'serviceName',
      'recipientAmount',
      'recipientOriginalAmount',
      'recipientCurrency',
      'paymentStatus',
      'userName',
      'userEmail',
      'paymentData',
      'recurringState',
      'recurringBindingId',
      'userField_1',
      'hash',
    ]);
    const f = Object.fromEntries(fields);
    expect(f).toMatchObject({
      eshopAccount: eshopAccountOf('450000'),
      paymentStatus: '5',
      paymentData: '2024-01-02 03:04:05',
      recurringState: 'Activated',
      recurringBindingId: '3000000001',
    });
    expect(f['hash']).toBe(
      md5(
        `450000::ORDER-42::Test order::${eshopAccountOf('450000')}::100.00::TST::5::Ivan::ivan@example.com::2024-01-02 03:04:05::secret123`,
      ),
    );
  });

  it('leaves recurring fields out of the created notification and of plain payments', () => {
    const created = Object.fromEntries(
      build(invoice({ status: 'created', recurring: { state: 'Error' } }), '3'),
    );
    expect(created['recurringState']).toBeUndefined();
    const plain = Object.fromEntries(build(invoice(), '5'));
    expect(plain['recurringState']).toBeUndefined();
  });

  it('names the binding and the operation on a scheduled charge', () => {
    const f = Object.fromEntries(
      build(
        invoice({
          origin: 'charge',
          chargeOf: { bindingId: '3000000001', cronOperationId: 'op-1' },
        }),
        '5',
      ),
    );
    expect(f).toMatchObject({ recurringBindingId: '3000000001', cronOperationId: 'op-1' });
  });

  it('tamper=hash breaks only the hash; tamper=amount signs another amount validly', () => {
    const good = Object.fromEntries(build(invoice(), '5'));
    const badHash = Object.fromEntries(build(invoice(), '5', 'hash'));
    expect(badHash['hash']).not.toBe(good['hash']);
    expect({ ...badHash, hash: '' }).toEqual({ ...good, hash: '' });
    const other = build(invoice(), '5', 'amount');
    const o = Object.fromEntries(other);
    expect(o['recipientAmount']).toBe('99.99');
    expect(o['hash']).toBe(
      md5(
        `450000::ORDER-42::Test order::${eshopAccountOf('450000')}::99.99::TST::5::Ivan::ivan@example.com::2024-01-02 03:04:05::secret123`,
      ),
    );
  });

  it('signs with the invoice_id order when configured', () => {
    const f = Object.fromEntries(build(invoice(), '5', 'none', INVOICE_ID_HASH_ORDER));
    expect(f['hash']).toBe(
      md5(
        `450000::3000000001::ORDER-42::${eshopAccountOf('450000')}::Test order::100.00::TST::5::Ivan::ivan@example.com::2024-01-02 03:04:05::secret123`,
      ),
    );
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { world } from '../../test/fakes/world';
import { canonicalFormString, signForm } from '../domain/form-signature';

/** The Node snippet of docs/signed-forms.md, exactly as merchants copy it. */
function documentedSigner(): (fields: Record<string, string>, secret: string) => string {
  const doc = readFileSync(join(import.meta.dirname, '../../../../docs/signed-forms.md'), 'utf8');
  const snippet = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!snippet) throw new Error('docs/signed-forms.md has no js snippet');

  const load = new Function('require', `${snippet}\nreturn signTolemForm;`) as (
    r: NodeJS.Require,
  ) => (fields: Record<string, string>, secret: string) => string;
  return load(createRequire(import.meta.url));
}

async function formMerchant() {
  const w = world();
  const { merchant, formSecret } = await w.merchant();
  const fields = {
    merchant_id: merchant.id,
    order_id: '42',
    amount: '1999',
    currency: 'USD',
    description: 'Две книги',
  };
  return { w, merchant, formSecret, fields };
}

describe('signed HTML form payments', () => {
  it('documents the canonical string and a Node snippet that signs exactly like checkout', async () => {
    expect(
      canonicalFormString({ order_id: '42', amount: '1999', signature: 'x', currency: 'USD' }),
    ).toBe('amount=1999\ncurrency=USD\norder_id=42');
    const { fields, formSecret } = await formMerchant();
    expect(documentedSigner()(fields, formSecret)).toBe(signForm(formSecret, fields));
  });

  it('creates the payment for a good signature and answers the same payment for the same form', async () => {
    const { w, merchant, formSecret, fields } = await formMerchant();
    const signature = documentedSigner()(fields, formSecret);
    const first = await w.createFormPayment({ fields, signature });
    expect(first.replayed).toBe(false);
    expect(first.view.payment).toMatchObject({
      merchantId: merchant.id,
      orderId: '42',
      amount: { amountMinor: 1999n, currency: 'USD' },
      description: 'Две книги',
      livemode: false,
    });
    const again = await w.createFormPayment({ fields, signature: signature.toUpperCase() });
    expect(again).toMatchObject({
      replayed: true,
      view: { payment: { id: first.view.payment.id } },
    });
  });

  it('refuses other fields under the same order id, naming the field', async () => {
    const { w, formSecret, fields } = await formMerchant();
    await w.createFormPayment({ fields, signature: signForm(formSecret, fields) });
    const changed = { ...fields, amount: '2999' };
    await expect(
      w.createFormPayment({ fields: changed, signature: signForm(formSecret, changed) }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { field: 'amount' } });
  });

  it('stores nothing for a missing, wrong or foreign signature, or an unknown merchant', async () => {
    const { w, formSecret, fields } = await formMerchant();
    const other = await w.merchant({ idempotencyKey: 'other' });
    const cases: [Record<string, string>, string, string][] = [
      [fields, '', 'FORM_SIGNATURE_MISSING'],
      [fields, '0'.repeat(64), 'FORM_SIGNATURE_INVALID'],
      [fields, signForm(other.formSecret, fields), 'FORM_SIGNATURE_INVALID'],
      [{ ...fields, amount: '1' }, signForm(formSecret, fields), 'FORM_SIGNATURE_INVALID'],
      [
        { ...fields, merchant_id: 'mer_nope' },
        signForm(formSecret, { ...fields, merchant_id: 'mer_nope' }),
        'FORM_SIGNATURE_INVALID',
      ],
    ];
    for (const [f, signature, code] of cases) {
      await expect(w.createFormPayment({ fields: f, signature })).rejects.toMatchObject({
        code,
        kind: 'unauthenticated',
      });
    }
    expect(w.payments.rows.size).toBe(0);
  });

  it.each([
    [{ amount: '19.99' }, 'amount'],
    [{ amount: '' }, 'amount'],
    [{ order_id: '' }, 'order_id'],
    [{ coupon: 'FREE' }, 'coupon'],
    [{ livemode: 'yes' }, 'livemode'],
    [{ success_url: 'javascript:alert(1)' }, 'success_url'],
  ])('refuses %o naming %s, before looking at the signature', async (change, field) => {
    const { w, formSecret, fields } = await formMerchant();
    const f = { ...fields, ...change };
    await expect(
      w.createFormPayment({ fields: f, signature: signForm(formSecret, f) }),
    ).rejects.toMatchObject({ code: 'FORM_INVALID_REQUEST', details: { field } });
    expect(w.payments.rows.size).toBe(0);
  });

  it('refuses a line feed or other control character in any field before the signature, so no field can carry another', async () => {
    const { w, formSecret, fields } = await formMerchant();
    // What the merchant signed: a description the customer typed, which smuggles a fail_url.
    const signed = {
      ...fields,
      description: 'Gift\nfail_url=https://evil.example/x',
      fail_url: 'https://shop.example/fail',
    };
    // What the customer posts: the same canonical string, the smuggled URL now the real field.
    const forged = {
      ...fields,
      description: 'Gift',
      fail_url: 'https://evil.example/x\nfail_url=https://shop.example/fail',
    };
    expect(canonicalFormString(forged)).toBe(canonicalFormString(signed));
    const signature = signForm(formSecret, signed);
    await expect(w.createFormPayment({ fields: forged, signature })).rejects.toMatchObject({
      code: 'FORM_INVALID_REQUEST',
      details: { field: 'fail_url' },
    });
    for (const [field, value] of [
      ['order_id', '42\rx'],
      ['description', 'tab\there'],
      ['success_url', 'https://shop.example/ok\u0000'],
    ] as const) {
      const withControl = { ...fields, [field]: value };
      await expect(
        w.createFormPayment({ fields: withControl, signature: signForm(formSecret, withControl) }),
      ).rejects.toMatchObject({ code: 'FORM_INVALID_REQUEST', details: { field } });
    }
    expect(w.payments.rows.size).toBe(0);
  });

  it('accepts the previous form secret during a rotation’s overlap, and not after it', async () => {
    const { w, merchant, formSecret, fields } = await formMerchant();
    const rotated = await w.rotateSecret({
      merchantId: merchant.id,
      kind: 'form',
      overlapSeconds: 60,
      idempotencyKey: 'rot-1',
    });
    const byOld = await w.createFormPayment({ fields, signature: signForm(formSecret, fields) });
    expect(byOld.replayed).toBe(false);
    const next = { ...fields, order_id: '43' };
    expect(
      (await w.createFormPayment({ fields: next, signature: signForm(rotated.secret, next) }))
        .replayed,
    ).toBe(false);
    w.clock.advance(60_000);
    const late = { ...fields, order_id: '44' };
    await expect(
      w.createFormPayment({ fields: late, signature: signForm(formSecret, late) }),
    ).rejects.toMatchObject({ code: 'FORM_SIGNATURE_INVALID' });
  });

  it('takes a signed customer_ref and refuses a bad one naming the form field', async () => {
    const { w, formSecret, fields } = await formMerchant();
    const withRef = { ...fields, customer_ref: 'cust-42' };
    const { view } = await w.createFormPayment({
      fields: withRef,
      signature: signForm(formSecret, withRef),
    });
    expect(view.payment.customerRef).toBe('cust-42');
    const bad = { ...fields, order_id: '43', customer_ref: 'x'.repeat(191) };
    await expect(
      w.createFormPayment({ fields: bad, signature: signForm(formSecret, bad) }),
    ).rejects.toMatchObject({ code: 'FORM_INVALID_REQUEST', details: { field: 'customer_ref' } });
  });
});

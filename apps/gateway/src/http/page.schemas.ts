/**
 * The payer's forms on the hosted page (`/pay/…`; pages.route.ts): bodies Fastify validates, not
 * part of the merchant API's document.
 */

export const startPaymentFormSchema = {
  type: 'object',
  required: ['method'],
  properties: {
    method: { type: 'string', maxLength: 64 },
    phone: { type: 'string', maxLength: 32 },
    /** The card form's "remember this card" checkbox (present only when ticked). */
    remember_card: { type: 'string', maxLength: 8 },
  },
} as const;

export interface StartPaymentForm {
  method: string;
  phone?: string;
  remember_card?: string;
}

/**
 * The payer's second step. key1's own limit (11 characters) is checked by the route so the payer
 * gets the form back with a message rather than a bare 400; the schema only caps the body.
 */
export const payerInputFormSchema = {
  type: 'object',
  properties: {
    key1: { type: 'string', maxLength: 256 },
  },
} as const;

export interface PayerInputForm {
  key1?: string;
}

/**
 * The VAT rates a merchant may choose for its receipts, and each rate's YooKassa `vat_code`
 * (https://yookassa.ru/developers/54fz/parameters-values): 1 none, 2 0 %, 3 10 %, 4 20 %,
 * 5 10/110, 6 20/120, 7 5 %, 8 7 %, 9 5/105, 10 7/107, 11 22 % and 12 22/122 (in force since
 * 1 January 2026). `vat12` is Kyrgyzstan's 12 %: it has no 54-FZ code (null), so a Russian cash
 * register cannot fiscalize it; it is kept for merchants that already chose it. The one place
 * these are written: checkout's merchant settings, the gateway's schemas and the recurring
 * service's receipts derive from it (docs/receipts.md shows the same table).
 */
export const VAT_CODE_OF_RATE = {
  none: 1,
  vat0: 2,
  vat5: 7,
  vat7: 8,
  vat10: 3,
  vat12: null,
  vat20: 4,
  vat22: 11,
  vat5_105: 9,
  vat7_107: 10,
  vat10_110: 5,
  vat20_120: 6,
  vat22_122: 12,
} as const satisfies Record<string, number | null>;

export type VatRate = keyof typeof VAT_CODE_OF_RATE;

export const VAT_RATES = Object.freeze(Object.keys(VAT_CODE_OF_RATE)) as readonly VatRate[];

export function isVatRate(value: string): value is VatRate {
  return Object.prototype.hasOwnProperty.call(VAT_CODE_OF_RATE, value);
}

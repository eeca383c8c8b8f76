import { declinedPage, invoiceStatePage } from './pages';
import type { CardPayResult } from './payments';

/**
 * Where the payer's browser goes after the card step: back to the shop's successUrl once paid
 * (or held), else a page. A decline stays on IntellectMoney's side so another card can be tried.
 */
export function cardDeclinedOrPaid(result: CardPayResult): { redirect?: string; html?: string } {
  const { invoice } = result;
  if (result.outcome === 'declined') {
    const last = invoice.attempts[invoice.attempts.length - 1];
    return { html: declinedPage(invoice, result.responseCode, last?.cardMask ?? '') };
  }
  const success = invoice.terms.successUrl;
  if (success !== undefined) return { redirect: success };
  return { html: invoiceStatePage(invoice) };
}

import { csvRow, PAYMENT_CSV_HEADER, paymentCsvRow } from '../domain/csv';
import type { PaymentCursor, PaymentFilter, PaymentSearch } from '../domain/ports';
import { validatePaymentFilter } from './list-payments';

/**
 * The payments of a filter as RFC 4180 CSV, oldest created first: the header record, then one
 * chunk per page of records. Each page is read only when the previous chunk was taken, so the
 * consumer's pace bounds memory, whatever the export's size.
 */
export function makeExportPaymentsCsv(deps: { payments: PaymentSearch; pageSize?: number }) {
  const pageSize = deps.pageSize ?? 500;
  return async function* exportCsv(filter: PaymentFilter): AsyncGenerator<string> {
    validatePaymentFilter(filter);
    yield csvRow(PAYMENT_CSV_HEADER);
    let after: PaymentCursor | undefined;
    for (;;) {
      const page = await deps.payments.search({ ...filter, after, order: 'asc', limit: pageSize });
      if (page.length > 0) yield page.map(paymentCsvRow).join('');
      const last = page[page.length - 1];
      if (!last || page.length < pageSize) return;
      after = { createdAt: last.createdAt, paymentId: last.paymentId };
    }
  };
}

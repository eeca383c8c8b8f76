import { csvRow, FACT_CSV_HEADER, factCsvRow } from '../domain/csv';
import type { PaymentFactRepository } from '../domain/ports';

export interface ExportFactsCsvInput {
  merchantId: string;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

/**
 * The merchant's facts in [from, to) as RFC 4180 CSV, oldest first: a header record, then one
 * record per fact. Streams page by page, so an export of any size runs in constant memory.
 */
export function makeExportFactsCsv(deps: { facts: PaymentFactRepository; pageSize?: number }) {
  const pageSize = deps.pageSize ?? 1_000;
  return async function* exportCsv(input: ExportFactsCsvInput): AsyncGenerator<string> {
    yield csvRow(FACT_CSV_HEADER);
    let after: { occurredAt: Date; paymentId: string } | undefined;
    for (;;) {
      const page = await deps.facts.list({
        merchantId: input.merchantId,
        from: input.from,
        to: input.to,
        after,
        order: 'asc',
        limit: pageSize,
      });
      for (const fact of page) yield factCsvRow(fact);
      const last = page[page.length - 1];
      if (!last || page.length < pageSize) return;
      after = { occurredAt: last.occurredAt, paymentId: last.paymentId };
    }
  };
}

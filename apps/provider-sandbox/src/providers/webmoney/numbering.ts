/** WebMoney's own numbers for a payment: invoice, transfer and Keeper Mobile order numbers. */
export interface Numbering {
  nextInvoiceNo(): string;
  nextTransferNo(): string;
  nextTelepatOrderId(): string;
}

const EPOCH_MS = Date.UTC(2020, 0, 1);

/**
 * Unique increasing numbers. Each counter starts at the milliseconds since 2020, so a restarted
 * sandbox never repeats a number a merchant (Tolem) has already stored as unique.
 */
export function createNumbering(clock: () => Date): Numbering {
  const counter = () => {
    let last = 0;
    return () => {
      last = Math.max(last + 1, clock().getTime() - EPOCH_MS);
      return String(last);
    };
  };
  const invoice = counter();
  const transfer = counter();
  const telepat = counter();
  return { nextInvoiceNo: invoice, nextTransferNo: transfer, nextTelepatOrderId: telepat };
}

const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

/** LMI_SYS_TRANS_DATE: `YYYYMMDD HH:MM:SS` in Moscow time (UTC+3, no daylight saving), as WebMoney reports. */
export function wmTransDate(at: Date): string {
  const d = new Date(at.getTime() + MOSCOW_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  );
}

import { parseArgs } from 'node:util';

import type { ReconcileResponse, ReconcilerServiceClient } from '@tolem/contracts/checkout';
import { providerName } from '@tolem/contracts/common';
import { isDomainError } from '@tolem/errors';
import type { PromiseClient } from '@tolem/grpc-kit';

export const USAGE = `Usage: npm run reconcile [-- acknowledge <transaction_id> --operator NAME [--note TEXT]]

  Without a command: runs one reconciliation pass in checkout: settled transactions at
  provider-adapters against checkout's payments (missed successes are applied, money that
  cannot settle its payment becomes a case), payments pending too long asked of their
  provider, succeeded payments the ledger has not posted yet counted. Prints what it compared.
  Unexplained differences are reported by every pass until explained or acknowledged.

  acknowledge <transaction_id> --operator NAME [--note TEXT]
      Record that a person dealt with an unexplained difference; passes stop reporting it.

Talks to checkout's ReconcilerService at CHECKOUT_ADDR (default 127.0.0.1:50051).
Exit codes: 0 everything explained (or acknowledged), 1 unexplained differences (or checkout
unreachable or refusing), 2 usage error.`;

/** 0: everything explained; 1: differences a person must look at, or no pass ran; 2: usage. */
export type ExitCode = 0 | 1 | 2;

export interface ReconcileCliDeps {
  reconciler: Pick<PromiseClient<ReconcilerServiceClient>, 'reconcile' | 'acknowledgeDifference'>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Shown when checkout cannot be reached. */
  checkoutAddr: string;
}

/** The pass's counts, one per line, in the order a reader follows the money. */
export function reportLines(r: ReconcileResponse): string[] {
  const rows: [string, number][] = [
    ['settled transactions seen', r.settledSeen],
    ['  applied (payment succeeded)', r.applied],
    ['  already consistent', r.alreadyConsistent],
    ['  cases opened', r.casesOpened],
    ['  deferred to the next pass', r.deferred],
    ['status queries asked', r.statusQueriesAsked],
    ['  answered by the provider', r.statusQueriesAnswered],
    ['  provider has no status query', r.statusQueriesUnsupported],
    ['succeeded, not yet posted to the ledger', r.unposted],
    ['unexplained', r.unexplained.length],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, n]) => `${label.padEnd(width)}  ${n}`);
  for (const d of r.unexplained) {
    const provider = providerName(d.provider) ?? '-';
    const transfer = d.providerPaymentId || '-';
    lines.push(
      `  ${d.code}  ${d.transactionId || '-'}  ${d.paymentId || '-'}  ${provider}  ${transfer}  ${d.detail}`,
    );
  }
  return lines;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  operator: { type: 'string' },
  note: { type: 'string' },
} as const;

/** What checkout refused, or that it never answered. */
function reportFailure(err: unknown, deps: ReconcileCliDeps): ExitCode {
  if (!isDomainError(err)) throw err;
  // grpc-kit's own codes for a transport failure: checkout never answered.
  if (err.code.startsWith('UPSTREAM_')) {
    deps.err(`unreachable: checkout at ${deps.checkoutAddr} did not answer (${err.code})`);
  } else {
    deps.err(`refused: ${err.code}: ${err.message}`);
  }
  return 1;
}

async function pass(deps: ReconcileCliDeps): Promise<ExitCode> {
  let report: ReconcileResponse;
  try {
    report = await deps.reconciler.reconcile({});
  } catch (err) {
    return reportFailure(err, deps);
  }
  for (const line of reportLines(report)) deps.out(line);
  if (report.unexplained.length > 0) {
    deps.err(`${report.unexplained.length} unexplained difference(s): a person must look`);
    return 1;
  }
  return 0;
}

async function acknowledge(
  transactionId: string,
  operator: string,
  note: string,
  deps: ReconcileCliDeps,
): Promise<ExitCode> {
  try {
    const res = await deps.reconciler.acknowledgeDifference({ transactionId, operator, note });
    deps.out(
      res.alreadyAcknowledged
        ? `${transactionId} was acknowledged already`
        : `${transactionId} acknowledged by ${operator}`,
    );
    return 0;
  } catch (err) {
    return reportFailure(err, deps);
  }
}

/**
 * Runs one pass through checkout and prints its counts (exit 1 when anything is unexplained),
 * or acknowledges one difference.
 */
export async function runReconcileCli(argv: string[], deps: ReconcileCliDeps): Promise<ExitCode> {
  const usage = (message: string): ExitCode => {
    deps.err(`error: ${message}`);
    deps.err(USAGE);
    return 2;
  };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    deps.out(USAGE);
    return 0;
  }
  const [command, id, ...rest] = positionals;
  if (command === undefined) {
    if (values.operator !== undefined || values.note !== undefined) {
      return usage('--operator and --note belong to acknowledge');
    }
    return pass(deps);
  }
  if (command !== 'acknowledge') return usage(`unknown command ${command}`);
  if (!id || rest.length > 0) return usage('acknowledge takes one transaction id');
  if (!values.operator?.trim()) return usage('acknowledge needs --operator NAME');
  return acknowledge(id, values.operator, values.note ?? '', deps);
}

import { parseArgs } from 'node:util';

import {
  type Refund,
  RefundExecution,
  type RefundServiceClient,
  RefundStatus,
} from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';

import {
  type ExitCode,
  idArgument,
  limitOption,
  required,
  runOperatorCommand,
  UsageError,
} from './operator-tool';

export const USAGE = `Usage: npm run refunds -- <command>

  list [--limit 1..100] [--starting-after REFUND_ID]
      The payout-to-payer queue, oldest first: refunds whose provider has no refund API, with
      the payer's WebMoney purse or Keeper Mobile phone to pay. --starting-after: the page after
      that refund (the last line of the previous page says it when more wait).
  complete <refund_id> --operator NAME --reference REF
      You paid the payer by the transfer REF: the refund succeeds (the merchant is notified).
  fail <refund_id> --operator NAME --reason TEXT
      The payer cannot be paid: the refund fails and the money returns to the merchant.

Talks to checkout's RefundService at CHECKOUT_ADDR (default 127.0.0.1:50051).
Exit codes: 0 done, 1 refused by checkout (or checkout unreachable), 2 usage error.`;

export interface RefundsCliDeps {
  refunds: Pick<
    PromiseClient<RefundServiceClient>,
    'listRefundPayouts' | 'completeRefundPayout' | 'failRefundPayout'
  >;
  out: (line: string) => void;
  err: (line: string) => void;
  checkoutAddr: string;
}

const OPTIONS = {
  limit: { type: 'string' },
  'starting-after': { type: 'string' },
  operator: { type: 'string' },
  reference: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;

const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  list: ['limit', 'starting-after'],
  complete: ['operator', 'reference'],
  fail: ['operator', 'reason'],
};

function refundIdOf(positionals: string[]): string {
  return idArgument(positionals, 'refund');
}

const STATUS: Record<number, string> = {
  [RefundStatus.REFUND_STATUS_PENDING]: 'pending',
  [RefundStatus.REFUND_STATUS_SUCCEEDED]: 'succeeded',
  [RefundStatus.REFUND_STATUS_FAILED]: 'failed',
};

function describeRefund(r: Refund): string {
  const amount = r.amount ? `${r.amount.amountMinor} ${r.amount.currency} (minor units)` : '?';
  const via = r.execution === RefundExecution.REFUND_EXECUTION_PAYOUT_QUEUE ? ', payout' : '';
  const failure = r.failureCode ? `, ${r.failureCode}` : '';
  return `${r.id} of ${r.paymentId}: ${amount}, ${STATUS[r.status] ?? 'unknown'}${via}${failure}`;
}

async function run(command: string, parsed: Parsed, deps: RefundsCliDeps): Promise<void> {
  const { values, positionals } = parsed;
  const extra = Object.keys(values).filter(
    (k) => k !== 'help' && !(ALLOWED[command] ?? []).includes(k as keyof typeof OPTIONS),
  );
  if (extra[0]) throw new UsageError(`${command} does not take --${extra[0]}`);
  switch (command) {
    case 'list': {
      if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
      const limit = limitOption(values.limit, 50, 100);
      const startingAfter = values['starting-after'] ?? '';
      const res = await deps.refunds.listRefundPayouts({ limit, startingAfter });
      if (res.payouts.length === 0) deps.out('No refunds wait for a payout.');
      for (const p of res.payouts) {
        if (!p.refund) continue;
        const to = p.payerAccount
          ? `pay to ${p.payerAccountKind} ${p.payerAccount}`
          : 'payer account unknown: see the payment';
        deps.out(`${describeRefund(p.refund)}; ${to}`);
      }
      const last = res.payouts.at(-1)?.refund?.id;
      if (res.hasMore && last) deps.out(`More wait: list --starting-after ${last}`);
      return;
    }
    case 'complete': {
      const refundId = refundIdOf(positionals);
      const res = await deps.refunds.completeRefundPayout({
        refundId,
        operator: required(values.operator, '--operator'),
        reference: required(values.reference, '--reference'),
      });
      if (!res.refund) throw new Error('checkout answered CompleteRefundPayout without a refund');
      deps.out(`Refund ${describeRefund(res.refund)}.`);
      return;
    }
    case 'fail': {
      const refundId = refundIdOf(positionals);
      const res = await deps.refunds.failRefundPayout({
        refundId,
        operator: required(values.operator, '--operator'),
        reason: required(values.reason, '--reason'),
      });
      if (!res.refund) throw new Error('checkout answered FailRefundPayout without a refund');
      deps.out(`Refund ${describeRefund(res.refund)}; the money is back with the merchant.`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/**
 * The operators' payout-to-payer tool: one RefundService call per run. Refusals print checkout's
 * stable code and message; completing and failing are idempotent, so a command may be rerun.
 * The payer's account is printed for the operator; nothing here is logged.
 */
export async function runRefundsCli(argv: string[], deps: RefundsCliDeps): Promise<ExitCode> {
  return runOperatorCommand(argv, deps, {
    usage: USAGE,
    parse: (args) => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    run: (command, parsed) => run(command, parsed, deps),
  });
}

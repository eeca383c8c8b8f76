import { parseArgs } from 'node:util';

import { type CaseServiceClient, CaseStatus } from '@tolem/contracts/checkout';
import type { PromiseClient } from '@tolem/grpc-kit';

import { CASE_STATUS_NAMES, caseDetail, caseTable, isCaseStatusName } from './cases.format';
import {
  type ExitCode,
  idArgument,
  limitOption,
  required,
  runOperatorCommand,
  UsageError,
} from './operator-tool';

export const USAGE = `Usage: npm run cases -- <command>

  list [--status opening|open|applied|returned] [--merchant ID] [--payment ID]
       [--limit 1..200] [--cursor TOKEN]
  show <case_id>
  apply <case_id> --operator NAME [--note TEXT]
      Credit the money to the payment's merchant (the merchant is notified).
  return <case_id> --operator NAME --reference REF [--note TEXT]
      Record that the money went back to the payer by the transfer REF.

Talks to checkout's CaseService at CHECKOUT_ADDR (default 127.0.0.1:50051).
Exit codes: 0 done, 1 refused by checkout (or checkout unreachable), 2 usage error.`;

/** 0: done; 1: checkout refused it or could not be reached; 2: the command line was wrong. */
export interface CasesCliDeps {
  cases: Pick<
    PromiseClient<CaseServiceClient>,
    'listCases' | 'getCase' | 'applyCase' | 'returnCase'
  >;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Shown when checkout cannot be reached. */
  checkoutAddr: string;
}

const OPTIONS = {
  status: { type: 'string' },
  merchant: { type: 'string' },
  payment: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  operator: { type: 'string' },
  note: { type: 'string' },
  reference: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;

/** Which options each command takes; any other is a usage error rather than silently ignored. */
const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  list: ['status', 'merchant', 'payment', 'limit', 'cursor'],
  show: [],
  apply: ['operator', 'note'],
  return: ['operator', 'note', 'reference'],
};

function caseIdOf(positionals: string[]): string {
  return idArgument(positionals, 'case');
}

async function run(command: string, parsed: Parsed, deps: CasesCliDeps): Promise<void> {
  const { values, positionals } = parsed;
  const extra = Object.keys(values).filter(
    (k) => k !== 'help' && !(ALLOWED[command] ?? []).includes(k as keyof typeof OPTIONS),
  );
  if (extra[0]) throw new UsageError(`${command} does not take --${extra[0]}`);

  switch (command) {
    case 'list': {
      if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
      let status = CaseStatus.CASE_STATUS_UNSPECIFIED;
      if (values.status !== undefined) {
        if (!isCaseStatusName(values.status)) {
          throw new UsageError(
            `--status must be one of ${Object.keys(CASE_STATUS_NAMES).join(', ')}`,
          );
        }
        status = CASE_STATUS_NAMES[values.status];
      }
      const limit = limitOption(values.limit, 50, 200);
      const res = await deps.cases.listCases({
        status,
        merchantId: values.merchant ?? '',
        paymentId: values.payment ?? '',
        pageSize: limit,
        pageToken: values.cursor ?? '',
      });
      for (const line of caseTable(res.cases)) deps.out(line);
      if (res.nextPageToken) deps.out(`More cases: add --cursor ${res.nextPageToken}`);
      return;
    }
    case 'show': {
      const res = await deps.cases.getCase({ caseId: caseIdOf(positionals) });
      if (!res.case) throw new Error('checkout answered GetCase without a case');
      for (const line of caseDetail(res.case, res.audit, res.callback)) deps.out(line);
      return;
    }
    case 'apply': {
      const caseId = caseIdOf(positionals);
      const res = await deps.cases.applyCase({
        caseId,
        operator: required(values.operator, '--operator'),
        note: values.note ?? '',
      });
      if (!res.case) throw new Error('checkout answered ApplyCase without a case');
      deps.out(`Case ${caseId} is applied to payment ${res.case.paymentId}.`);
      for (const line of caseDetail(res.case, null)) deps.out(line);
      return;
    }
    case 'return': {
      const caseId = caseIdOf(positionals);
      const res = await deps.cases.returnCase({
        caseId,
        operator: required(values.operator, '--operator'),
        note: values.note ?? '',
        returnReference: required(values.reference, '--reference'),
      });
      if (!res.case) throw new Error('checkout answered ReturnCase without a case');
      deps.out(`Case ${caseId} is recorded as returned to the payer.`);
      for (const line of caseDetail(res.case, null)) deps.out(line);
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

/**
 * The operators' case tool: parses argv, makes one CaseService call, prints a table or the case.
 * Every refusal prints checkout's stable code and message; nothing is retried here (applying and
 * returning are idempotent, so the operator may simply run the command again).
 */
export async function runCasesCli(argv: string[], deps: CasesCliDeps): Promise<ExitCode> {
  return runOperatorCommand(argv, deps, {
    usage: USAGE,
    parse: (args) => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true }),
    run: (command, parsed) => run(command, parsed, deps),
  });
}

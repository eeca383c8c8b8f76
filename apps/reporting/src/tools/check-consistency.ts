import { setTimeout as sleep } from 'node:timers/promises';

import { LedgerServiceClient } from '@tolem/contracts/ledger';
import { createKnex } from '@tolem/db-kit';
import {
  createClient,
  grpcTransportOf,
  OPERATOR_IDENTITY,
  useGrpcTransport,
} from '@tolem/grpc-kit';

import { makeCheckConsistency } from '../app/check-consistency';
import { loadCheckConfig } from '../config';
import { createDailyTotalsMoneyDays, createReportingMoneyDays } from '../db/money-days.reader';
import type { ConsistencyReport } from '../domain/consistency';
import { ledgerMoneyDays } from '../grpc/ledger-money-days.client';
import { parseCheckArgs } from './check-args';

const USAGE = `usage: reporting:check [--merchant <merchant_id>] [--from <YYYY-MM-DD> --to <YYYY-MM-DD> | --days <n>]
                       [--attempts <n>] [--pause-ms <ms>]
  Compares reporting's payments and refunds with the ledger's journal per merchant, currency,
  UTC day and mode (test or live); prints every difference and exits 1 when there is one (or a side cannot be read), 0
  when they agree. Needs DATABASE_URL (reporting's database) and LEDGER_ADDR.
  npm run reporting:check -- --days=7 --attempts=5`;

function print(report: ConsistencyReport): void {
  const range = `${report.fromDay}..${report.toDay}`;
  if (report.error) {
    process.stderr.write(`reporting:check ${range}: could not compare: ${report.error}\n`);
    return;
  }
  if (report.consistent) {
    process.stdout.write(`reporting:check ${range}: reporting matches the ledger\n`);
    return;
  }
  process.stdout.write(`reporting:check ${range}: ${report.differences.length} difference(s)\n`);
  process.stdout.write('merchant\tcurrency\tday\tmode\tmetric\treporting\tledger\n');
  for (const d of report.differences) {
    const mode = d.livemode ? 'live' : 'test';
    process.stdout.write(
      `${d.merchantId}\t${d.currency}\t${d.day}\t${mode}\t${d.metric}\t${d.reporting}\t${d.ledger}\n`,
    );
  }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseCheckArgs>;
  try {
    args = parseCheckArgs(process.argv.slice(2), new Date());
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = loadCheckConfig();
  useGrpcTransport(grpcTransportOf(OPERATOR_IDENTITY, config.grpcTls));
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'reporting-check',
    poolMax: 2,
    // An operator's whole-table scan, not a request: no statement timeout.
    statementTimeoutMs: 0,
  });
  const ledger = createClient(LedgerServiceClient, config.ledgerAddr);
  try {
    const check = makeCheckConsistency({
      reporting: createReportingMoneyDays(db),
      totals: createDailyTotalsMoneyDays(db),
      ledger: ledgerMoneyDays(ledger),
      clock: { now: () => new Date() },
    });
    let report = await check(args);
    for (let attempt = 1; attempt < args.attempts && !report.consistent; attempt += 1) {
      await sleep(args.pauseMs);
      report = await check(args);
    }
    print(report);
    process.exitCode = report.consistent ? 0 : 1;
  } finally {
    ledger.close();
    await db.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

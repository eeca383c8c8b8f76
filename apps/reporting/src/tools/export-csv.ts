import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

import { createKnex } from '@tolem/db-kit';

import { makeExportFactsCsv } from '../app/export-facts-csv';
import { loadDbConfig } from '../config';
import { createPaymentFactsRepo } from '../db/payment-facts.repo';
import { parseExportArgs } from './export-args';

const USAGE = `usage: export-csv --merchant <merchant_id> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--out <file>]
  Writes the merchant's payment facts whose occurred_at falls on the UTC days from..to (both
  inclusive) as RFC 4180 CSV (amounts in integer minor units) to stdout or --out.
  nx run reporting:export-csv --merchant=mer_… --from=2026-03-01 --to=2026-03-31 --out=facts.csv`;

async function main(): Promise<void> {
  let args: ReturnType<typeof parseExportArgs>;
  try {
    args = parseExportArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const config = loadDbConfig();
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'reporting-export-csv',
    poolMax: 2,
    // An operator's whole-table scan, not a request: no statement timeout.
    statementTimeoutMs: 0,
  });
  const output = args.out ? createWriteStream(args.out) : process.stdout;
  try {
    const exportCsv = makeExportFactsCsv({ facts: createPaymentFactsRepo(db) });
    let records = 0;
    for await (const line of exportCsv(args)) {
      if (!output.write(line)) await once(output, 'drain');
      records += 1;
    }
    if (args.out) {
      output.end();
      await once(output, 'finish');
    }
    process.stderr.write(`reporting: exported ${records - 1} fact(s)\n`);
  } finally {
    await db.destroy();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

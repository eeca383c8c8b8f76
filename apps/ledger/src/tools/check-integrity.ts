import { createKnex } from '@tolem/db-kit';

import { makeCheckIntegrity } from '../app/check-integrity';
import { loadToolConfig } from '../config';
import { createIntegrityRepo } from '../db/integrity.repo';

/**
 * `nx run ledger:check-integrity`: runs the ledger's integrity checks against DATABASE_URL,
 * prints what it checked and every violation, and exits 1 on any violation (2 if it could not
 * run), so a cron job or CI step fails loudly.
 */
async function main(): Promise<number> {
  const config = loadToolConfig();
  const db = createKnex({
    url: config.databaseUrl.reveal(),
    applicationName: 'ledger-check-integrity',
    // An operator's whole-table scan, not a request: no statement timeout.
    statementTimeoutMs: 0,
  });
  try {
    const check = makeCheckIntegrity({
      integrity: createIntegrityRepo(db),
      outboxGraceMs: config.outboxGraceMs,
    });
    const report = await check();
    const out: string[] = ['ledger integrity check'];
    for (const line of report.checks) out.push(`  checked ${line}`);
    for (const v of report.violations) out.push(`  VIOLATION ${v.check}: ${v.detail}`);
    out.push(
      report.ok ? 'result: OK' : `result: FAILED (${report.violations.length} violation(s))`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // 42P01 undefined_table: pointed at a database the ledger never migrated.
    const hint =
      (err as { code?: string }).code === '42P01'
        ? ' (is DATABASE_URL the migrated ledger database?)'
        : '';
    process.stderr.write(
      `ledger integrity check could not run${hint}: ${(err as Error).stack ?? String(err)}\n`,
    );
    process.exitCode = 2;
  },
);

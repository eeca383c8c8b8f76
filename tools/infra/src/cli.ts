/**
 * tsx tools/infra/src/cli.ts <command>
 *   up [--state-dir DIR] [--durable] [--kafka-version V]   provision; print DATABASE_URL= / KAFKA_BROKERS=
 *   down [--state-dir DIR]                                   stop what the state dir runs
 *   status [--state-dir DIR]
 *   kafka-smoke [--kafka-version V]                          fresh broker in a temp dir + kafkajs checks
 */
import path from 'node:path';

import { provisionInfra } from './index';
import { localKafkaStatus, stopLocalKafka } from './kafka';
import { localPostgresStatus, stopLocalPostgres } from './postgres';
import { runKafkaSmoke } from './smoke';
import { DEFAULT_KAFKA_VERSION } from './types';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.tolem', 'infra');

interface Args {
  command: string;
  stateDir: string;
  durable: boolean;
  kafkaVersion: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    command: argv[0] ?? 'help',
    stateDir: DEFAULT_STATE_DIR,
    durable: false,
    kafkaVersion: DEFAULT_KAFKA_VERSION,
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--state-dir') args.stateDir = path.resolve(value());
    else if (a === '--durable') args.durable = true;
    else if (a === '--kafka-version') args.kafkaVersion = value();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const progress = (msg: string): void => void process.stderr.write(`[infra] ${msg}\n`);

async function up(args: Args): Promise<number> {
  const t0 = Date.now();
  const infra = await provisionInfra({
    stateDir: args.stateDir,
    durable: args.durable,
    kafkaVersion: args.kafkaVersion,
    log: progress,
  });
  progress(
    `ready in ${Date.now() - t0} ms (postgres: ${infra.postgres.source}, kafka: ${infra.kafka.source})`,
  );
  console.log(`DATABASE_URL=${infra.databaseUrl}`);
  console.log(`KAFKA_BROKERS=${infra.kafkaBrokers}`);
  if (infra.postgres.source === 'testcontainers' || infra.kafka.source === 'testcontainers') {
    // Containers are reaped when this process exits, so stay in the foreground.
    progress('containers live as long as this process: press Ctrl-C to stop them');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await infra.stop();
  }
  return 0;
}

async function down(args: Args): Promise<number> {
  const [pg, kafka] = await Promise.all([
    stopLocalPostgres(args.stateDir, progress),
    stopLocalKafka(args.stateDir, progress),
  ]);
  if (!pg && !kafka) progress(`nothing running in ${args.stateDir}`);
  return 0;
}

async function status(args: Args): Promise<number> {
  const [pg, kafka] = await Promise.all([
    localPostgresStatus(args.stateDir),
    localKafkaStatus(args.stateDir),
  ]);
  console.log(`state dir: ${args.stateDir}`);
  console.log(
    `postgres: ${pg.running ? `running ${pg.url} (pid ${pg.pid ?? '?'})` : 'stopped'}${pg.dataDir ? `, data ${pg.dataDir}` : ''}`,
  );
  console.log(
    `kafka:    ${kafka.running ? `running ${kafka.brokers} ${kafka.version} (pid ${kafka.pid ?? '?'})` : 'stopped'}`,
  );
  return 0;
}

async function smoke(args: Args): Promise<number> {
  const report = await runKafkaSmoke(args.kafkaVersion, (line) => console.log(line));
  const failed = report.checks.filter((c) => !c.ok).length;
  console.log(`Kafka ${report.version}: ${report.checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  switch (args.command) {
    case 'up':
      return up(args);
    case 'down':
      return down(args);
    case 'status':
      return status(args);
    case 'kafka-smoke':
      return smoke(args);
    default:
      console.log(
        'usage: tsx tools/infra/src/cli.ts up|down|status|kafka-smoke [--state-dir DIR] [--durable] [--kafka-version V]',
      );
      return args.command === 'help' || args.command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

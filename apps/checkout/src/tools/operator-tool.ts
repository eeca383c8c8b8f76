import { isDomainError } from '@tolem/errors';
import { grpcTransportOf, OPERATOR_IDENTITY, useGrpcTransport } from '@tolem/grpc-kit';

import { loadCasesToolConfig } from '../config';

/** 0 done, 1 refused by checkout (or checkout unreachable), 2 usage error. */
export type ExitCode = 0 | 1 | 2;

/** Where a tool prints: stdout for results, stderr for errors and usage. */
export interface OperatorIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Named in the message when checkout does not answer. */
  checkoutAddr: string;
}

/** A command line the tool cannot act on: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value.trim();
}

/** `--limit`: an integer 1..max, `fallback` when absent. */
export function limitOption(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!/^\d{1,4}$/.test(value) || limit < 1 || limit > max) {
    throw new UsageError(`--limit must be an integer 1..${max}`);
  }
  return limit;
}

/** The one id after the command (`show <id>`), and nothing after it. */
export function idArgument(positionals: string[], what: string): string {
  const [, id, ...rest] = positionals;
  if (!id) throw new UsageError(`a ${what} id is required`);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  return id;
}

interface Parsed {
  values: { help?: boolean };
  positionals: string[];
}

/**
 * The frame every operators' tool shares: parse, help, run one command, and turn what went wrong
 * into an exit code. A refusal prints checkout's stable code and message; nothing is retried here
 * (the commands are idempotent, so the operator may simply run one again).
 */
export async function runOperatorCommand<P extends Parsed>(
  argv: string[],
  io: OperatorIo,
  spec: {
    usage: string;
    parse(argv: string[]): P;
    /** The command a parsed line names (e.g. `keys roll`), or undefined for none. */
    commandOf?(parsed: P): string | undefined;
    run(command: string, parsed: P): Promise<void>;
  },
): Promise<ExitCode> {
  let parsed: P;
  try {
    parsed = spec.parse(argv);
  } catch (err) {
    io.err(`error: ${(err as Error).message}`);
    io.err(spec.usage);
    return 2;
  }
  const first = parsed.positionals[0];
  if (parsed.values.help || first === 'help') {
    io.out(spec.usage);
    return 0;
  }
  const command = first === undefined ? undefined : (spec.commandOf?.(parsed) ?? first);
  if (!command) {
    io.err(spec.usage);
    return 2;
  }
  try {
    await spec.run(command, parsed);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}`);
      io.err(spec.usage);
      return 2;
    }
    if (isDomainError(err)) {
      // grpc-kit's own codes for a transport failure: checkout never answered.
      if (err.code.startsWith('UPSTREAM_')) {
        io.err(`unreachable: checkout at ${io.checkoutAddr} did not answer (${err.code})`);
      } else {
        io.err(`refused: ${err.code}: ${err.message}`);
      }
      return 1;
    }
    throw err;
  }
}

/**
 * The process around a tool: reads CHECKOUT_ADDR and the deadline, opens one client, runs the
 * tool on the command line and sets the exit code; the client is closed whatever happens.
 */
export function runOperatorTool<C extends { close(): void }>(tool: {
  name: string;
  usage: string;
  connect(checkoutAddr: string, deadlineMs: number): C;
  run(argv: string[], client: C, io: OperatorIo): Promise<ExitCode>;
}): void {
  const main = async (): Promise<ExitCode> => {
    let config: ReturnType<typeof loadCasesToolConfig>;
    try {
      config = loadCasesToolConfig();
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n${tool.usage}\n`);
      return 2;
    }
    try {
      useGrpcTransport(grpcTransportOf(OPERATOR_IDENTITY, config.grpcTls));
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return 2;
    }
    const client = tool.connect(config.checkoutAddr, config.deadlineMs);
    try {
      return await tool.run(process.argv.slice(2), client, {
        checkoutAddr: config.checkoutAddr,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    } finally {
      client.close();
    }
  };
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${tool.name}: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

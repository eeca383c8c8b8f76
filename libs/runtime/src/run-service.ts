/**
 * Runs a service's `main`. A start-up failure (bad configuration, a database that refuses the
 * migration, a port in use) is written to stderr with its stack and the process exits 1, so the
 * orchestrator sees a failed start rather than a process idling without its server.
 */
export function runService(name: string, main: () => Promise<void>): void {
  void main().catch((err: unknown) => {
    process.stderr.write(`${name} failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

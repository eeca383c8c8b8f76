import type { Logger } from '@tolem/observability';
import pg from 'pg';

export interface DueListener {
  close(): Promise<void>;
}

/**
 * Calls `onDue` when deliveries are inserted (the deliveries_due_notify trigger), with their
 * endpoints' ids, or none when the statement named too many to say, so a new notification goes
 * out within milliseconds instead of at the next sweep. A dropped connection is reopened after a
 * pause; meanwhile the dispatcher's sweep still finds the work.
 */
export function listenForDueDeliveries(options: {
  url: string;
  onDue: (endpointIds?: readonly string[]) => void;
  log: Logger;
}): DueListener {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  /** Drops `c` (once, however many ways it failed) and connects again after a pause. */
  const lost = (c: pg.Client, err: unknown, what: string) => {
    if (client !== c) return;
    client = undefined;
    if (closed) return;
    options.log.warn({ err }, what);
    void c.end().catch(() => undefined);
    retry = setTimeout(() => void connect(), 1_000);
  };

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: options.url, application_name: 'notifier-listen' });
    client = c;
    c.on('notification', (n) => options.onDue(n.payload ? n.payload.split(',') : undefined));
    c.on('error', (err) => lost(c, err, 'deliveries_due listener lost its connection'));
    c.on('end', () => lost(c, undefined, 'deliveries_due listener lost its connection'));
    try {
      await c.connect();
      await c.query('listen deliveries_due');
    } catch (err) {
      lost(c, err, 'deliveries_due listener could not connect');
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

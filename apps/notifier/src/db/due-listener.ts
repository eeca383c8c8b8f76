import type { Logger } from '@tolem/observability';
import pg from 'pg';

export interface DueListener {
  close(): Promise<void>;
}

/**
 * Calls `onDue` when a delivery is inserted (the deliveries_due_notify trigger), so a new
 * notification goes out within milliseconds instead of at the next poll. A dropped connection
 * is reopened after a pause; meanwhile the dispatcher's poll still finds the work.
 */
export function listenForDueDeliveries(options: {
  url: string;
  onDue: () => void;
  log: Logger;
}): DueListener {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: options.url, application_name: 'notifier-listen' });
    client = c;
    c.on('notification', () => options.onDue());
    c.on('error', (err) => {
      options.log.warn({ err }, 'deliveries_due listener lost its connection');
      void c.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
    });
    try {
      await c.connect();
      await c.query('listen deliveries_due');
    } catch (err) {
      options.log.warn({ err }, 'deliveries_due listener could not connect');
      void c.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
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

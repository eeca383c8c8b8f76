import type { Knex } from '@tolem/db-kit';
import type { Logger } from '@tolem/observability';
import { exponentialBackoffMs } from '@tolem/runtime';
import pg from 'pg';

import type { QrPaymentChange, QrPaymentChanges, QrPaymentNotifier } from '../domain/ports';

/** The PostgreSQL channel; the payload is `<qr_code_id>:<payment_id>`. */
export const QR_PAYMENT_CHANNEL = 'qr_payment';

/**
 * NOTIFY through the given connection (the consumer's transaction): PostgreSQL delivers it only
 * when that transaction commits, so watchers never hear of a row that was rolled back.
 */
export function pgQrPaymentNotifier(db: Knex): QrPaymentNotifier {
  return {
    async notify(qrCodeId, paymentId) {
      await db.raw('select pg_notify(?, ?)', [QR_PAYMENT_CHANNEL, `${qrCodeId}:${paymentId}`]);
    },
  };
}

export interface QrPaymentListenerOptions {
  connectionString: string;
  log: Logger;
  /** Reads a changed row and its code once per notification, for every watcher of the code. */
  load(qrCodeId: string, paymentId: string): Promise<QrPaymentChange | undefined>;
  /** Told whether the LISTEN connection is up (grpc-kit's readiness). */
  onConnectedChange?(connected: boolean): void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How often the idle LISTEN connection is asked `select 1`, and how long it may take to answer
   * (15 s and 5 s): a connection dropped without a word (a NAT or load balancer forgetting it)
   * sends no error and no end, and would hear no notification again.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

export interface QrPaymentListener extends QrPaymentChanges {
  /** Resolves once LISTEN is in place (or keeps retrying in the background after a failure). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Watchers subscribed in this process (tests check that none leak). */
  subscriberCount(): number;
}

type Listener = Parameters<QrPaymentChanges['subscribe']>[1];

/**
 * One LISTEN connection per process, fanned out in memory to the watchers of each code: a
 * thousand cash desks watching cost one connection, and a notification for a code nobody here
 * watches costs no query. A lost connection is re-established with backoff, after which every
 * watcher is told to re-read (notifications sent meanwhile are gone).
 */
export function createQrPaymentListener(options: QrPaymentListenerOptions): QrPaymentListener {
  const { log } = options;
  const watchers = new Map<string, Set<Listener>>();
  let client: pg.Client | undefined;
  let stopped = false;
  let failures = 0;
  let everConnected = false;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5_000;

  const each = (codeId: string, fn: (l: Listener) => void) => {
    for (const l of watchers.get(codeId) ?? []) {
      try {
        fn(l);
      } catch (err) {
        log.warn({ err, qrCodeId: codeId }, 'qr payment watcher failed');
      }
    }
  };

  const onNotification = (payload: string | undefined) => {
    const [codeId, paymentId] = (payload ?? '').split(':');
    if (!codeId || !paymentId || !watchers.has(codeId)) return;
    options.load(codeId, paymentId).then(
      (change) => {
        if (change) each(codeId, (l) => l.change(change));
      },
      (err: unknown) => {
        log.warn({ err, qrCodeId: codeId }, 'reading a changed qr payment failed; resyncing');
        each(codeId, (l) => l.resync());
      },
    );
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    failures += 1;
    const delay = exponentialBackoffMs(
      { baseMs: options.minBackoffMs ?? 500, maxMs: options.maxBackoffMs ?? 10_000 },
      failures,
    );
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  };

  /** Asks the connection `select 1`; no answer in time is a lost connection. */
  const beat = async (conn: pg.Client, lost: (err: unknown) => void): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer to a heartbeat in ${heartbeatTimeoutMs} ms`)),
        heartbeatTimeoutMs,
      );
    });
    try {
      await Promise.race([conn.query('select 1'), silent]);
    } catch (err) {
      lost(err);
    } finally {
      clearTimeout(timer);
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: options.connectionString,
      application_name: 'qr-platform-listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: heartbeatMs,
    });
    next.on('notification', (msg) => onNotification(msg.payload));
    const lost = (err: unknown) => {
      if (client !== next) return;
      client = undefined;
      clearInterval(heartbeat);
      options.onConnectedChange?.(false);
      if (stopped) return;
      log.warn({ err }, 'qr payment LISTEN connection lost; reconnecting');
      void next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on('error', lost);
    // A server that closes the connection without an error (a restart) is a loss too.
    next.on('end', () => lost(undefined));
    try {
      await next.connect();
      await next.query(`LISTEN ${QR_PAYMENT_CHANNEL}`);
    } catch (err) {
      log.warn({ err }, 'qr payment LISTEN connection could not start; retrying');
      await next.end().catch(() => undefined);
      scheduleReconnect();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    failures = 0;
    heartbeat = setInterval(() => void beat(next, lost), heartbeatMs);
    heartbeat.unref();
    options.onConnectedChange?.(true);
    if (everConnected) for (const codeId of watchers.keys()) each(codeId, (l) => l.resync());
    everConnected = true;
  };

  return {
    start: () => {
      options.onConnectedChange?.(false);
      return connect();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      clearInterval(heartbeat);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
    subscribe(qrCodeId, listener) {
      let set = watchers.get(qrCodeId);
      if (!set) {
        set = new Set();
        watchers.set(qrCodeId, set);
      }
      set.add(listener);
      return () => {
        const current = watchers.get(qrCodeId);
        current?.delete(listener);
        if (current?.size === 0) watchers.delete(qrCodeId);
      };
    },
    subscriberCount: () => [...watchers.values()].reduce((n, s) => n + s.size, 0),
  };
}

import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  QrServiceClient,
  QrServiceService,
  type WatchQrPaymentResponse,
} from '@tolem/contracts/qr';
import { createKnex, type Knex, migrateLatest } from '@tolem/db-kit';
import { createGrpcServer, type GrpcServer } from '@tolem/grpc-kit';
import { newId } from '@tolem/ids';
import { money } from '@tolem/money';
import { createLogger } from '@tolem/observability';
import type { PaymentEvent } from '@tolem/payment-events';
import { systemClock } from '@tolem/runtime';
import { freshDatabase, startTcpForwarder, waitFor } from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrations } from '../../migrations';
import { makeApplyPaymentEvent } from '../../src/app/apply-payment-event';
import { makeCreateQrCode } from '../../src/app/create-qr-code';
import { makeGetQrCode } from '../../src/app/get-qr-code';
import { makeListQrCodePayments } from '../../src/app/list-qr-code-payments';
import { makeListQrCodes } from '../../src/app/list-qr-codes';
import { makeResolveQrPayload } from '../../src/app/resolve-qr-payload';
import { makeWatchQrPayment } from '../../src/app/watch-qr-payment';
import { createQrCodesRepo } from '../../src/db/qr-codes.repo';
import {
  createQrPaymentListener,
  pgQrPaymentNotifier,
  type QrPaymentListener,
} from '../../src/db/qr-payment-listener';
import { createQrPaymentsRepo } from '../../src/db/qr-payments.repo';
import type { QrPaymentChange } from '../../src/domain/ports';
import { qrHandlers } from '../../src/grpc/qr.grpc';

const MERCHANT = 'mer_watch';
const log = createLogger({ service: 'qr-platform-it', level: 'silent' });

/**
 * The service's wiring in this process (real PostgreSQL, a real gRPC server), so the test can see
 * the LISTEN connection's watchers and drop the connection under them.
 */
describe('WatchQrPayment over one LISTEN connection (real gRPC server, real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Knex;
  let grpc: GrpcServer;
  let listener: QrPaymentListener;
  let address: string;
  const connected: boolean[] = [];
  const clients: QrServiceClient[] = [];

  const listenBackends = async () =>
    (
      await db.raw<{ rows: { pid: number }[] }>(
        `select pid from pg_stat_activity
         where application_name = 'qr-platform-listen' and datname = current_database()`,
      )
    ).rows;

  const apply = (event: Partial<PaymentEvent> & { paymentId: string; sequence: bigint }) =>
    db.transaction((trx) =>
      makeApplyPaymentEvent({
        codes: createQrCodesRepo(trx),
        payments: createQrPaymentsRepo(trx),
        notifier: pgQrPaymentNotifier(trx),
        clock: systemClock,
        log,
      })({
        eventId: newId('evt'),
        eventType: 'payment.pending',
        occurredAt: new Date(),
        merchantId: MERCHANT,
        orderId: '',
        livemode: false,
        gross: money(10_000n, 'KGS'),
        fee: undefined,
        net: undefined,
        method: 'qr',
        provider: 'qr_acquirer',
        providerPaymentId: '',
        providerAttributes: {},
        ledgerTransactionId: '',
        description: '',
        paymentStatus: 'pending',
        failureCode: '',
        caseId: '',
        caseKind: '',
        caseResolution: '',
        ...event,
      }),
    );

  function watch(qrCodeId: string, deadlineMs = 60_000) {
    const raw = new QrServiceClient(address, credentials.createInsecure());
    clients.push(raw);
    const items: WatchQrPaymentResponse[] = [];
    const call = raw.watchQrPayment({ qrCodeId, merchantId: MERCHANT }, new Metadata(), {
      deadline: new Date(Date.now() + deadlineMs),
    });
    call.on('data', (m: WatchQrPaymentResponse) => items.push(m));
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      call.on('error', (err: ServiceError) => resolve(err));
      call.on('end', () => resolve(undefined));
    });
    return { items, ended, cancel: () => call.cancel() };
  }

  const watchers = (n: number, what: string) =>
    waitFor(async () => listener.subscriberCount() === n, { timeoutMs: 10_000, what });

  beforeAll(async () => {
    database = await freshDatabase('qr_watch_it');
    db = createKnex({ url: database.url, poolMax: 4 });
    await migrateLatest(db, migrations);
    const codes = createQrCodesRepo(db);
    const payments = createQrPaymentsRepo(db);
    const getQrCode = makeGetQrCode({ codes });
    grpc = createGrpcServer({ log });
    listener = createQrPaymentListener({
      connectionString: database.url,
      log,
      minBackoffMs: 200,
      async load(qrCodeId, paymentId) {
        const [payment, code] = await Promise.all([
          payments.findByPaymentId(paymentId),
          codes.findById(qrCodeId),
        ]);
        return payment && code ? { payment, code } : undefined;
      },
      onConnectedChange: (c) => connected.push(c),
    });
    grpc.addService(
      QrServiceService,
      qrHandlers({
        createQrCode: makeCreateQrCode({
          codes,
          issuer: {
            providerId: 'tolem.kg',
            serviceCode: undefined,
            mcc: '4829',
            displayName: 'Tolem',
            linkBaseUrl: 'https://pay.payqr.kg/',
          },
          clock: systemClock,
          newQrId: () => newId('qr'),
        }),
        getQrCode,
        listQrCodes: makeListQrCodes({ codes }),
        resolveQrPayload: makeResolveQrPayload({ codes }),
        listQrCodePayments: makeListQrCodePayments({ getQrCode, payments }),
        watchQrPayment: makeWatchQrPayment({
          getQrCode,
          codes,
          payments,
          changes: listener,
          clock: systemClock,
        }),
        clock: systemClock,
      }),
    );
    await listener.start();
    address = `127.0.0.1:${await grpc.listen(0)}`;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await grpc?.drain(2_000);
    await listener?.stop();
    await db?.destroy();
    await database?.drop();
  });

  it('drops a watcher on cancel and at its deadline, and survives a lost LISTEN connection', async () => {
    const paymentId = newId('pay');
    const codes = createQrCodesRepo(db);
    const { qrCode } = await codes.insertOnce({
      id: newId('qr'),
      merchantId: MERCHANT,
      kind: 'dynamic',
      amount: money(10_000n, 'KGS'),
      currency: 'KGS',
      description: '',
      payload: 'p',
      link: 'l',
      idempotencyKey: 'k1',
      requestFingerprint: 'f',
      livemode: false,
      expiresAt: undefined,
      paymentId,
      label: '',
    });
    expect(await listenBackends()).toHaveLength(1);
    expect(connected).toEqual([false, true]);

    const cancelled = watch(qrCode.id);
    const timed = watch(qrCode.id, 1_500);
    const kept = watch(qrCode.id);
    await watchers(3, 'three watchers');
    cancelled.cancel();
    expect((await cancelled.ended)?.code).toBe(status.CANCELLED);
    await watchers(2, 'the cancelled watcher to be dropped');
    expect((await timed.ended)?.code).toBe(status.DEADLINE_EXCEEDED);
    await watchers(1, 'the timed-out watcher to be dropped');

    await apply({ paymentId, sequence: 1n });
    await waitFor(async () => kept.items.length === 1, { timeoutMs: 10_000, what: 'pending' });
    expect(kept.items[0]).toMatchObject({ snapshot: false, payment: { status: 'pending' } });

    // The connection is killed; a change committed before it is back is not lost: the watcher
    // re-reads its code once LISTEN is in place again.
    const [backend] = await listenBackends();
    await db.raw('select pg_terminate_backend(?)', [backend?.pid ?? 0]);
    await waitFor(async () => connected.at(-1) === false, { timeoutMs: 10_000, what: 'lost' });
    await apply({
      paymentId,
      sequence: 2n,
      eventType: 'payment.succeeded',
      paymentStatus: 'succeeded',
    });
    await waitFor(async () => kept.items.length === 2, { timeoutMs: 15_000, what: 'succeeded' });
    expect(kept.items[1]).toMatchObject({ snapshot: false, payment: { status: 'succeeded' } });
    expect(connected.at(-1)).toBe(true);
    expect(await listenBackends()).toHaveLength(1);

    kept.cancel();
    await kept.ended;
    await watchers(0, 'no watcher left');
  });
  it('notices a LISTEN connection that went silent (no error, no end) by its heartbeat, and reconnects', async () => {
    const target = new URL(database.url);
    const proxy = await startTcpForwarder(`${target.hostname}:${target.port}`);
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);

    const states: boolean[] = [];
    let resyncs = 0;
    let changes = 0;
    const quiet = createQrPaymentListener({
      connectionString: viaProxy.toString(),
      log,
      minBackoffMs: 100,
      heartbeatMs: 200,
      heartbeatTimeoutMs: 300,
      load: async () => ({}) as QrPaymentChange,
      onConnectedChange: (c) => states.push(c),
    });
    const unsubscribe = quiet.subscribe('qr_silent', {
      change: () => (changes += 1),
      resync: () => (resyncs += 1),
    });
    try {
      await quiet.start();
      expect(states).toEqual([false, true]);
      proxy.freeze();
      await waitFor(() => states.length >= 4 && states.at(-1) === true, {
        timeoutMs: 10_000,
        what: 'the silent connection given up and a new one listening',
      });
      expect(states.slice(2, 4)).toEqual([false, true]);
      expect(resyncs).toBe(1);
      await db.raw('select pg_notify(?, ?)', ['qr_payment', 'qr_silent:pay_1']);
      await waitFor(() => changes === 1, { timeoutMs: 10_000, what: 'the notification heard' });
    } finally {
      unsubscribe();
      await quiet.stop();
      await proxy.close();
    }
  });
});

import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { PaymentMethod, Provider } from '@tolem/contracts/common';
import { PaymentEvent } from '@tolem/contracts/events';
import {
  QrCodeStatus,
  QrKind,
  QrServiceClient,
  type WatchQrPaymentResponse,
} from '@tolem/contracts/qr';
import { newId } from '@tolem/ids';
import { freshDatabase, randomSuffix, waitFor } from '@tolem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildElqrPayload, parseElqrPayload } from '../../src/domain/elqr';
import { paymentsTopic, type QrPlatform, startQrPlatform } from './harness';

const MERCHANT = `mer_qr_${randomSuffix()}`;

function anEvent(overrides: Partial<PaymentEvent>): PaymentEvent {
  return PaymentEvent.fromPartial({
    eventId: newId('evt'),
    eventType: 'payment.pending',
    paymentStatus: 'pending',
    occurredAt: new Date(),
    paymentId: newId('pay'),
    merchantId: MERCHANT,
    gross: { amountMinor: 150_000n, currency: 'KGS' },
    method: PaymentMethod.PAYMENT_METHOD_QR,
    provider: Provider.PROVIDER_QR_ACQUIRER,
    sequence: 1n,
    ...overrides,
  });
}

/** A WatchQrPayment call on the raw client, so the test can cancel it while it waits. */
function watch(address: string, qrCodeId: string, deadlineMs = 60_000) {
  const raw = new QrServiceClient(address, credentials.createInsecure());
  const items: WatchQrPaymentResponse[] = [];
  const call = raw.watchQrPayment({ qrCodeId, merchantId: MERCHANT }, new Metadata(), {
    deadline: new Date(Date.now() + deadlineMs),
  });
  call.on('data', (m: WatchQrPaymentResponse) => items.push(m));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    call.on('error', (err: ServiceError) => resolve(err));
    call.on('end', () => resolve(undefined));
  });
  return {
    items,
    ended,
    async cancel() {
      call.cancel();
      await ended;
      raw.close();
    },
  };
}

describe('qr payments: consumed events, the watch stream and resolve (real processes, PostgreSQL, Kafka)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let topic: Awaited<ReturnType<typeof paymentsTopic>>;
  let a: QrPlatform;
  let b: QrPlatform;
  let sql: pg.Client;
  let addrA: string;
  let addrB: string;

  const publish = async (event: PaymentEvent) => {
    await topic.producer.send({
      topic: topic.topic,
      acks: -1,
      messages: [
        {
          key: event.paymentId,
          value: Buffer.from(PaymentEvent.encode(event).finish()),
          headers: { 'event-id': event.eventId, 'event-type': event.eventType },
        },
      ],
    });
  };
  const processed = (eventId: string) =>
    waitFor(
      async () =>
        (await sql.query('select 1 from processed_events where event_id = $1', [eventId]))
          .rowCount === 1,
      { timeoutMs: 45_000, what: `event ${eventId} to be consumed` },
    );
  const listenConnections = async () =>
    Number(
      (
        await sql.query<{ n: string }>(
          `select count(*)::text as n from pg_stat_activity
           where application_name = 'qr-platform-listen' and datname = current_database()`,
        )
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    database = await freshDatabase('qr_payments_it');
    topic = await paymentsTopic('payments.events.qrpay');
    a = await startQrPlatform({
      databaseUrl: database.url,
      topic: topic.topic,
      groupId: topic.groupId,
    });
    // A second instance on the same database: its own LISTEN connection, the same group.
    b = await startQrPlatform({
      databaseUrl: database.url,
      topic: topic.topic,
      groupId: topic.groupId,
    });
    addrA = a.address;
    addrB = b.address;
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await a?.stop();
    await b?.stop();
    await topic?.close();
    await database?.drop();
  });

  const createDynamic = async (paymentId: string) => {
    const { qrCode } = await a.client.createQrCode({
      merchantId: MERCHANT,
      idempotencyKey: `payment:${paymentId}`,
      kind: QrKind.QR_KIND_DYNAMIC,
      amount: { amountMinor: 150_000n, currency: 'KGS' },
      description: 'Заказ 7',
      livemode: false,
      expiresAt: new Date(Date.now() + 15 * 60_000),
      paymentId,
      label: '',
      merchantDisplayName: 'Navat',
    });
    if (!qrCode) throw new Error('no code');
    return qrCode;
  };

  it('streams the snapshot then `succeeded` to watchers on both instances, and marks the code paid', async () => {
    const paymentId = newId('pay');
    const code = await createDynamic(paymentId);
    const pending = anEvent({ paymentId, providerAttributes: { qr_code_id: code.id } });
    await publish(pending);
    await processed(pending.eventId);

    const onA = watch(addrA, code.id);
    const onB = watch(addrB, code.id);
    await waitFor(async () => onA.items.length === 1 && onB.items.length === 1, {
      timeoutMs: 10_000,
      what: 'both snapshots',
    });
    for (const w of [onA, onB]) {
      expect(w.items[0]).toMatchObject({
        snapshot: true,
        codeStatus: QrCodeStatus.QR_CODE_STATUS_ACTIVE,
        payment: { qrCodeId: code.id, paymentId, status: 'pending', sequence: 1n },
      });
    }
    expect(await listenConnections()).toBe(2);

    const succeeded = anEvent({
      paymentId,
      eventType: 'payment.succeeded',
      paymentStatus: 'succeeded',
      sequence: 2n,
      providerAttributes: { qr_code_id: code.id, qr_payer_bank: 'mbank' },
    });
    const sentAt = Date.now();
    await publish(succeeded);
    await waitFor(async () => onA.items.length === 2 && onB.items.length === 2, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'both streams to see succeeded',
    });
    const seenInMs = Date.now() - sentAt;
    for (const w of [onA, onB]) {
      expect(w.items[1]).toMatchObject({
        snapshot: false,
        codeStatus: QrCodeStatus.QR_CODE_STATUS_PAID,
        payment: {
          paymentId,
          status: 'succeeded',
          payerBank: 'mbank',
          eventId: succeeded.eventId,
          sequence: 2n,
          amount: { amountMinor: 150_000n, currency: 'KGS' },
        },
      });
    }
    expect(seenInMs).toBeLessThan(5_000);
    const fetched = await b.client.getQrCode({ qrCodeId: code.id, merchantId: MERCHANT });
    expect(fetched.qrCode?.status).toBe(QrCodeStatus.QR_CODE_STATUS_PAID);

    // Redelivered (same event id), stale (older sequence, new id) and unknown-code events change
    // nothing and reach no watcher.
    const stale = anEvent({ paymentId, sequence: 1n, providerAttributes: { qr_code_id: code.id } });
    const unknown = anEvent({ providerAttributes: { qr_code_id: 'qr_01jnotissuedbytolem000000' } });
    const card = anEvent({ method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED });
    await publish(succeeded);
    for (const e of [stale, unknown, card]) await publish(e);
    for (const e of [stale, unknown, card]) await processed(e.eventId);
    const rows = await sql.query('select * from qr_code_payments');
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      payment_id: paymentId,
      status: 'succeeded',
      event_id: succeeded.eventId,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(onA.items).toHaveLength(2);
    expect(onB.items).toHaveLength(2);

    await onA.cancel();
    await onB.cancel();
    expect(await listenConnections()).toBe(2);
  });

  it('ends a watch at its deadline and keeps one LISTEN connection per process however many watch', async () => {
    const paymentId = newId('pay');
    const code = await createDynamic(paymentId);
    const short = watch(addrA, code.id, 3_000);
    const many = Array.from({ length: 5 }, () => watch(addrB, code.id));
    // Both processes subscribed (on a loaded machine that can take a moment; the count must not
    // race the first LISTEN), and six watches still hold only one connection each.
    await waitFor(async () => (await listenConnections()) >= 2, {
      timeoutMs: 20_000,
      what: 'a LISTEN connection in each process',
    });
    expect(await listenConnections()).toBe(2);
    const err = await short.ended;
    expect(err?.code).toBe(status.DEADLINE_EXCEEDED);
    expect(await listenConnections()).toBe(2);
    for (const w of many) await w.cancel();
    // After every stream ended, a change still reaches a new watcher (nothing stale is left).
    const late = watch(addrB, code.id);
    const event = anEvent({ paymentId, providerAttributes: { qr_code_id: code.id } });
    await publish(event);
    await waitFor(async () => late.items.length === 1, { timeoutMs: 20_000, what: 'the change' });
    // Read as the snapshot when the event was applied before the watch read the rows, else as a
    // change; either way the watch is subscribed now, so the next change comes live.
    expect(late.items[0]).toMatchObject({ payment: { status: 'pending' } });
    await publish(
      anEvent({
        paymentId,
        eventType: 'payment.succeeded',
        paymentStatus: 'succeeded',
        sequence: 2n,
        providerAttributes: { qr_code_id: code.id },
      }),
    );
    await waitFor(async () => late.items.length === 2, { timeoutMs: 20_000, what: 'the change' });
    expect(late.items[1]).toMatchObject({ snapshot: false, payment: { status: 'succeeded' } });
    await late.cancel();
    await expect(
      new Promise((resolve, reject) => {
        const w = watch(addrA, 'qr_01jnotthere00000000000000');
        void w.ended.then((e) => (e ? reject(e) : resolve(undefined)));
      }),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('records one payment per scan of a static code and pages them newest first', async () => {
    const { qrCode } = await a.client.createQrCode({
      merchantId: MERCHANT,
      idempotencyKey: 'desk-1',
      kind: QrKind.QR_KIND_STATIC,
      amount: undefined,
      description: '',
      livemode: false,
      expiresAt: undefined,
      paymentId: '',
      label: 'Касса 1',
      merchantDisplayName: 'Navat',
    });
    const id = qrCode?.id ?? '';
    const scans = [500n, 700n, 900n].map((amount, i) =>
      anEvent({
        eventType: 'payment.succeeded',
        paymentStatus: 'succeeded',
        occurredAt: new Date(Date.now() + i * 1_000),
        gross: { amountMinor: amount, currency: 'KGS' },
        providerAttributes: { qr_code_id: id },
      }),
    );
    for (const e of scans) await publish(e);
    for (const e of scans) await processed(e.eventId);
    const first = await a.client.listQrCodePayments({
      qrCodeId: id,
      merchantId: MERCHANT,
      limit: 2,
      startingAfter: '',
    });
    expect(first.payments.map((p) => p.amount?.amountMinor)).toEqual([900n, 700n]);
    expect(first.hasMore).toBe(true);
    const second = await a.client.listQrCodePayments({
      qrCodeId: id,
      merchantId: MERCHANT,
      limit: 2,
      startingAfter: first.payments[1]?.paymentId ?? '',
    });
    expect(second.payments.map((p) => p.amount?.amountMinor)).toEqual([500n]);
    expect(second.hasMore).toBe(false);
    const code = await a.client.getQrCode({ qrCodeId: id, merchantId: MERCHANT });
    expect(code.qrCode?.status).toBe(QrCodeStatus.QR_CODE_STATUS_ACTIVE);

    const listed = await a.client.listQrCodes({
      merchantId: MERCHANT,
      limit: 0,
      startingAfter: '',
      kind: QrKind.QR_KIND_STATIC,
    });
    expect(listed.qrCodes.map((c) => c.id)).toEqual([id]);
    const all = await a.client.listQrCodes({
      merchantId: MERCHANT,
      limit: 1,
      startingAfter: '',
      kind: 0,
    });
    expect(all.qrCodes.map((c) => c.id)).toEqual([id]);
    expect(all.hasMore).toBe(true);
  });

  it('resolves a payload and link it issued, and refuses a forged or malformed one', async () => {
    const code = await createDynamic(newId('pay'));
    const byPayload = await b.client.resolveQrPayload({ payload: code.payload });
    expect(byPayload.qrCode).toEqual(code);
    expect(byPayload.visibleFields).toEqual([]);
    const byLink = await b.client.resolveQrPayload({ payload: code.link });
    expect(byLink.qrCode?.id).toBe(code.id);

    const { payment } = parseElqrPayload(code.payload);
    const forged = buildElqrPayload({ ...payment, amountTyiyn: 100n });
    await expect(b.client.resolveQrPayload({ payload: forged })).rejects.toMatchObject({
      code: 'QR_CODE_NOT_FOUND',
      kind: 'not_found',
    });
    const tampered = code.payload.replace('150000', '150001');
    await expect(b.client.resolveQrPayload({ payload: tampered })).rejects.toMatchObject({
      code: 'ELQR_CHECKSUM_MISMATCH',
      kind: 'invalid',
    });
  });

  it('ends open watches with UNAVAILABLE when an instance shuts down, without holding its drain', async () => {
    const code = await createDynamic(newId('pay'));
    const open = watch(addrA, code.id);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await a.service.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    const err = await open.ended;
    expect(err?.code).toBe(status.UNAVAILABLE);
  });
});

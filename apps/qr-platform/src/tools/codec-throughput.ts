import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';

import {
  buildElqrLink,
  buildElqrPayload,
  ELQR_DEFAULT_LINK_BASE_URL,
  type ElqrPayment,
  parseElqrPayload,
} from '../domain/elqr';
import { buildEmvco, type EmvcoPayload, parseEmvco } from '../domain/emvco';

/**
 * How many payloads the codecs build and parse back per second, on one thread: what `npm run
 * bench:qr` (tools/bench/src/qr.bench.ts) runs in its own process and prints. Each item is one
 * build plus one parse of a different payment (a pool of 256, ids, amounts and comments varied,
 * half dynamic, half static, Cyrillic comments, one in four with additional fields 35), parsed as
 * a payer's bank does (checksum verified). Run directly, it prints the result as JSON.
 */

/**
 * Per second of wall time, and per second of this thread's CPU time: on a machine shared with
 * other work the wall rate drops with the share of a core we got, the CPU rate much less.
 */
export interface Rate {
  wall: number;
  cpu: number;
}

export interface CodecThroughput {
  /** ELQR build + parse. */
  elqr: Rate;
  /** EMVCo MPM build + parse. */
  emvco: Rate;
  /** A payment link as qr-platform issues it, so the caller can render what the routes render. */
  elqrLink: string;
}

const POOL = 256;

function elqrPayments(): ElqrPayment[] {
  return Array.from({ length: POOL }, (_, i) => {
    const id = `qrc_01JF3Z8Q4W7N2K5M9R1T${String(i).padStart(6, '0')}`;
    const dynamic = i % 2 === 0;
    const payment: ElqrPayment = {
      version: '01',
      type: dynamic ? 'dynamic' : 'static',
      service: {
        providerId: 'qr.tolem.kg',
        serviceCode: 'tolem',
        ...(dynamic ? { transactionId: id, amountEditable: false } : { recipientId: id }),
        recipientIdEditable: false,
      },
      merchant: { merchantId: `mer_01JF3Z8Q4W7N2K5M9R1T${String(i % 17).padStart(6, '0')}` },
      comment: dynamic ? `Заказ №${i}: кофе` : `Касса ${i % 9}: кофе`,
      mcc: '5812',
      currency: '417',
      name: 'Tolem',
    };
    if (dynamic) payment.amountTyiyn = BigInt(10_000 + i * 137);
    if (i % 4 === 1) {
      payment.additional = [
        { key: 'order', label: 'Заказ', value: String(i), title: 'Номер заказа', visible: true },
      ];
    }
    return payment;
  });
}

function emvcoPayments(): EmvcoPayload[] {
  return Array.from({ length: POOL }, (_, i) => ({
    initiation: i % 2 === 0 ? 'dynamic' : 'static',
    merchantAccounts: [
      { id: '26', guid: 'KG.TOLEM.QR', data: [{ id: '01', value: `MER${String(i % 17)}` }] },
    ],
    mcc: '5812',
    currency: '417',
    ...(i % 2 === 0 ? { amount: { amountMinor: BigInt(10_000 + i * 137), currency: 'KGS' } } : {}),
    country: 'KG',
    merchantName: 'TOLEM SHOP',
    merchantCity: 'BISHKEK',
    additionalData: { referenceLabel: `ORDER-${i}` },
  }));
}

/** Runs `op` on pool items round-robin for `ms` (after a warm-up of a fifth of it). */
export function measureRate<T>(pool: readonly T[], ms: number, op: (item: T) => void): Rate {
  const run = (budget: number): Rate => {
    let n = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    let now = started;
    while (now - started < budget) {
      for (let k = 0; k < 64; k++) op(pool[(n + k) % pool.length] as T);
      n += 64;
      now = performance.now();
    }
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    return {
      wall: Math.round((n * 1000) / (now - started)),
      cpu: Math.round((n * 1000) / Math.max(cpuMs, 1)),
    };
  };
  run(ms / 5);
  return run(ms);
}

export function measureCodecThroughput(ms: number): CodecThroughput {
  const elqr = elqrPayments();
  const emvco = emvcoPayments();
  const elqrRate = measureRate(elqr, ms, (p) => {
    parseElqrPayload(buildElqrPayload(p), { verifyChecksum: true });
  });
  const emvcoRate = measureRate(emvco, ms, (p) => {
    parseEmvco(buildEmvco(p));
  });
  const sample = buildElqrPayload(elqr[0] as ElqrPayment);
  return {
    elqr: elqrRate,
    emvco: emvcoRate,
    elqrLink: buildElqrLink(ELQR_DEFAULT_LINK_BASE_URL, sample),
  };
}

if (argv[1] && import.meta.url === pathToFileURL(argv[1]).href) {
  const ms = Number.parseInt(argv[2] ?? '3000', 10);
  process.stdout.write(`${JSON.stringify(measureCodecThroughput(ms))}\n`);
}

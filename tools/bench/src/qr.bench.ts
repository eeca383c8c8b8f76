/**
 * `npm run bench:qr`: how fast QR payloads are made and drawn, with nothing else in the way.
 *
 * Codecs: qr-platform's ELQR codec (buildElqrPayload + parseElqrPayload, checksum verified as a
 * payer's bank does) and its EMVCo codec (buildEmvco + parseEmvco), payloads built and parsed
 * back per second, over a pool of varied payments (apps/qr-platform/src/tools/codec-throughput.ts,
 * run as its own process: once alone, then one per core at the same time).
 *
 * Images: libs/qr-render's PNG (print resolution, its default scale) and SVG renders per second of
 * an ELQR payment link as qr-platform issues it, and `qrcode` called directly with the same
 * options (error correction M, quiet zone 4, the same scale and pngjs options) in the same run, alternating in short
 * rounds so both see the same machine; the ratio library / direct is the library's overhead
 * (target: at least 0.8).
 *
 * Every figure is given per second of wall time and per second of CPU time of the process: on a
 * machine shared with other work the wall rates drop with the share of the cores the bench got;
 * the CPU rates say what one core does. Targets (2 cores): 50,000 payloads/s.
 *
 * Knobs (env): BENCH_SECONDS (per measurement, 3), BENCH_ROUNDS (render rounds, 6).
 */
import { execFile } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import {
  QR_ERROR_CORRECTION,
  QR_PNG_RENDERER_OPTIONS,
  QR_QUIET_ZONE,
  qrModuleCount,
  renderQrPng,
  renderQrSvg,
  scaleFor,
} from '@tolem/qr-render';
import QRCode from 'qrcode';

import { createReporter } from './common';

const SECONDS = Number.parseFloat(process.env['BENCH_SECONDS'] ?? '3');
const ROUNDS = Number.parseInt(process.env['BENCH_ROUNDS'] ?? '6', 10);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CODEC_TOOL = 'apps/qr-platform/src/tools/codec-throughput.ts';

interface Rate {
  wall: number;
  cpu: number;
}

interface CodecThroughput {
  elqr: Rate;
  emvco: Rate;
  elqrLink: string;
}

const { say, step } = createReporter();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rateLine = (r: Rate) => `${fmt(r.wall)}/s wall, ${fmt(r.cpu)}/s per CPU-second`;

async function codecRun(ms: number): Promise<CodecThroughput> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', CODEC_TOOL, String(ms)],
    { cwd: ROOT },
  );
  return JSON.parse(stdout) as CodecThroughput;
}

/** Totals of several measurements: counts and times add, then divide. */
class Tally {
  private n = 0;
  private wallMs = 0;
  private cpuMs = 0;

  add(n: number, wallMs: number, cpuMs: number): void {
    this.n += n;
    this.wallMs += wallMs;
    this.cpuMs += cpuMs;
  }

  get rate(): Rate {
    return { wall: (this.n * 1000) / this.wallMs, cpu: (this.n * 1000) / Math.max(this.cpuMs, 1) };
  }
}

/** Calls `op` one at a time (each awaited) for `ms`; adds what it did to `tally`. */
async function measure(tally: Tally, ms: number, op: () => unknown): Promise<void> {
  let n = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    await op();
    n += 1;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  tally.add(n, now - started, (used.user + used.system) / 1000);
}

async function renders(link: string): Promise<void> {
  const modules = qrModuleCount(link);
  const scale = scaleFor(modules);
  const pngOptions = {
    type: 'png',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_QUIET_ZONE,
    scale,
    rendererOpts: QR_PNG_RENDERER_OPTIONS,
  } as const;
  const svgOptions = {
    type: 'svg',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_QUIET_ZONE,
  } as const;
  // The same bytes, or the comparison would be of different work.
  const [ours, direct] = [await renderQrPng(link), await QRCode.toBuffer(link, pngOptions)];
  if (!ours.equals(direct)) throw new Error('libs/qr-render and qrcode drew different PNGs');
  if (renderQrSvg(link) !== (await QRCode.toString(link, svgOptions))) {
    throw new Error('libs/qr-render and qrcode drew different SVGs');
  }
  say(
    `  code: ${link.length} characters, ${modules} modules with the quiet zone; PNG ${modules * scale} px (scale ${scale}), ${fmt(ours.length)} bytes`,
  );

  const kinds = {
    'PNG, libs/qr-render': { tally: new Tally(), op: () => renderQrPng(link) },
    'PNG, qrcode directly': { tally: new Tally(), op: () => QRCode.toBuffer(link, pngOptions) },
    'SVG, libs/qr-render': { tally: new Tally(), op: () => renderQrSvg(link) },
    'SVG, qrcode directly': { tally: new Tally(), op: () => QRCode.toString(link, svgOptions) },
  };
  const roundMs = (SECONDS * 1000) / ROUNDS;
  for (const { op } of Object.values(kinds)) await measure(new Tally(), roundMs / 2, op); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always follows the other's garbage.
    const order = Object.values(kinds);
    if (round % 2 === 1) order.reverse();
    for (const { tally, op } of order) await measure(tally, roundMs, op);
  }
  for (const [name, { tally }] of Object.entries(kinds)) say(`  ${name}: ${rateLine(tally.rate)}`);
  for (const format of ['PNG', 'SVG'] as const) {
    const lib = kinds[`${format}, libs/qr-render`].tally.rate;
    const direct = kinds[`${format}, qrcode directly`].tally.rate;
    say(
      `  ${format} ratio library / direct: ${(lib.wall / direct.wall).toFixed(2)} wall, ${(lib.cpu / direct.cpu).toFixed(2)} CPU (target ≥ 0.80)`,
    );
  }
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  say(
    `bench:qr on ${cores} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (other work on the machine lowers the wall rates)`,
  );
  step('codecs, one process');
  const alone = await codecRun(SECONDS * 1000);
  say(`  ELQR build+parse: ${rateLine(alone.elqr)}`);
  say(`  EMVCo build+parse: ${rateLine(alone.emvco)}`);
  step(`codecs, ${cores} processes at once (one per core)`);
  const together = await Promise.all(Array.from({ length: cores }, () => codecRun(SECONDS * 1000)));
  const sum = (pick: (r: CodecThroughput) => Rate): Rate => ({
    wall: together.reduce((a, r) => a + pick(r).wall, 0),
    cpu: together.reduce((a, r) => a + pick(r).cpu, 0),
  });
  say(`  ELQR build+parse, all cores: ${rateLine(sum((r) => r.elqr))} (target 50,000/s)`);
  say(`  EMVCo build+parse, all cores: ${rateLine(sum((r) => r.emvco))}`);
  step('images of an ELQR payment link, one at a time');
  await renders(alone.elqrLink);
  step('done');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * BENCH_CALLS=1: each run prints the gRPC calls and HTTP requests every service answered, per
 * item of the run (a payment, a charge), from the services' own Prometheus counters
 * (tolem_grpc_server_handled_total, tolem_http_requests_total). What a payment costs in CPU
 * follows the number of calls it makes between processes more than anything inside one.
 */
export const CALL_STATS = process.env['BENCH_CALLS'] === '1';

const COUNTERS = /^(tolem_grpc_server_handled_total|tolem_http_requests_total)\{([^}]*)\} (\S+)$/;

/** Answered calls by "service kind name" (kind grpc or http), summed over status codes. */
export type CallCounts = Map<string, number>;

function labelOf(labels: string, name: string): string {
  return new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
}

/** The services' answered calls now; empty unless BENCH_CALLS=1. */
export async function countCalls(metricsUrls: Record<string, string>): Promise<CallCounts> {
  const counts: CallCounts = new Map();
  if (!CALL_STATS) return counts;
  await Promise.all(
    Object.entries(metricsUrls).map(async ([service, url]) => {
      const text = await fetch(url)
        .then((r) => r.text())
        .catch(() => '');
      for (const line of text.split('\n')) {
        const m = COUNTERS.exec(line);
        if (!m) continue;
        const [, metric, labels = '', value = '0'] = m;
        const what =
          metric === 'tolem_http_requests_total'
            ? `http ${labelOf(labels, 'method')} ${labelOf(labels, 'route')}`
            : `grpc ${labelOf(labels, 'method')}`;
        const key = `${service} ${what}`;
        counts.set(key, (counts.get(key) ?? 0) + Number(value));
      }
    }),
  );
  return counts;
}

/** Lines to print: calls per item between two counts, the most frequent first, and their sum. */
export function callsPerItem(
  before: CallCounts,
  after: CallCounts,
  items: number,
  limit = 30,
): string[] {
  if (!CALL_STATS || items <= 0) return [];
  const rows = [...after]
    .map(([key, n]) => [key, (n - (before.get(key) ?? 0)) / items] as const)
    .filter(([, perItem]) => perItem >= 0.005)
    .sort((a, b) => b[1] - a[1]);
  const sum = (kind: string) =>
    rows.filter(([k]) => k.split(' ')[1] === kind).reduce((s, [, n]) => s + n, 0);
  return [
    `calls answered per item: ${sum('grpc').toFixed(1)} gRPC, ${sum('http').toFixed(1)} HTTP; the top ${Math.min(limit, rows.length)}:`,
    ...rows.slice(0, limit).map(([key, n]) => `  ${n.toFixed(2).padStart(6)}  ${key}`),
  ];
}

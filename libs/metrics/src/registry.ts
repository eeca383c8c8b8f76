import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type Metric,
  Registry,
} from 'prom-client';

/**
 * The process's registry. grpc-kit, kafka-kit and the apps register here, so one scrape of a
 * process sees all of its metrics; tests pass a registry of their own to count from zero.
 */
export const metricsRegistry = new Registry();

/** Buckets (seconds) for request durations: 1 ms to 10 s, dense where our deadlines are. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const withDefaults = new WeakSet<Registry>();

/**
 * Labels every series of the registry with `service` and adds Node's process metrics (CPU, heap,
 * event-loop lag, GC) once. Several replicas are told apart by the scraper's `instance` label.
 */
export function initMetrics(service: string, registry: Registry = metricsRegistry): void {
  registry.setDefaultLabels({ service });
  if (withDefaults.has(registry)) return;
  withDefaults.add(registry);
  collectDefaultMetrics({ register: registry });
}

function existing<T extends Metric>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * A counter, created once per registry: a module instrumented from two places (two gRPC servers
 * in one test process) shares the series instead of failing on a duplicate name.
 */
export function counter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  registry: Registry = metricsRegistry,
): Counter<L> {
  return (
    existing<Counter<L>>(registry, name) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

/** A histogram, created once per registry (see counter). */
export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  registry: Registry = metricsRegistry,
  buckets: number[] = DURATION_BUCKETS,
): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, name) ??
    new Histogram({ name, help, labelNames, buckets, registers: [registry] })
  );
}

/** A gauge set by the code (in-flight calls, lag seen on the last batch), once per registry. */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  registry: Registry = metricsRegistry,
): Gauge<L> {
  return (
    existing<Gauge<L>>(registry, name) ??
    new Gauge({ name, help, labelNames, registers: [registry] })
  );
}

/** Sets one series of a gauge read on scrape; labels are the gauge's label names. */
export type SetGauge<L extends string> = (
  labels: Partial<Record<L, string>>,
  value: number,
) => void;

/**
 * A gauge whose value is read when Prometheus scrapes (a cheap SQL count), never on a timer: no
 * load while nobody looks, and the value is as fresh as the scrape. A failed read never fails
 * the scrape: it drops a labelled gauge's series and sets an unlabelled one to NaN (a gap in the
 * graph, never a stale or zero backlog that looks healthy). Registering the name again replaces the reader: the latest wiring owns it.
 */
export function gaugeOnScrape<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  read: (set: SetGauge<L>) => Promise<void>,
  registry: Registry = metricsRegistry,
): Gauge<L> {
  if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        await read((labels, value) => this.set(labels as Record<L, string>, value));
      } catch {
        this.reset();
        if (labelNames.length === 0) this.set(Number.NaN);
      }
    },
  });
}

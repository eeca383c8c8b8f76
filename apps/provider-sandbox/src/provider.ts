import type { FastifyInstance } from 'fastify';

/**
 * One emulated provider (src/providers/<name>/). The server registers each module's routes and
 * lists it on the index page; a new provider is a new module, nothing else changes.
 */
export interface SandboxProvider {
  /** Stable key, also the first path segment of its routes, e.g. `webmoney`. */
  readonly key: string;
  readonly title: string;
  /** One sentence for the index page. */
  readonly summary: string;
  /** Entry points worth listing on the index page (method + path). */
  readonly endpoints: ReadonlyArray<{ method: 'GET' | 'POST'; path: string; note: string }>;
  /** Test data for people (cards, amounts, payers) as trusted HTML: escape every value in it. */
  readonly testData?: string;
  /** Set when the provider is off for lack of configuration; its routes then answer 503. */
  readonly disabled?: { missing: readonly string[] };
  register(app: FastifyInstance): void;
  /** Stops timers (scheduled callbacks, schedulers) on shutdown. */
  close?(): void;
}

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
  register(app: FastifyInstance): void;
}

import type { SandboxProvider } from '../provider';
import { REFUSED_EMAIL, registerCashboxRoutes } from './cashbox.routes';
import type { CashboxSandboxConfig } from './settings';
import { createCashboxStore, noFaults } from './store';

export type { CashboxSandboxConfig } from './settings';

export interface CashboxProviderDeps {
  config: CashboxSandboxConfig;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An online cash register (54-FZ) speaking YooKassa's receipts API: Tolem's recurring service
 * sends each charge's receipt here, and people and tests see what arrived.
 */
export function createCashboxProvider(deps: CashboxProviderDeps): SandboxProvider {
  const clock = deps.clock ?? (() => new Date());
  const store = createCashboxStore(clock);
  const faults = noFaults();
  // Pending delay faults, ended early on shutdown so no request hangs the close.
  const pending = new Map<NodeJS.Timeout, () => void>();
  const sleep =
    deps.sleep ??
    ((ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          pending.delete(t);
          resolve();
        }, ms);
        pending.set(t, resolve);
      }));
  return {
    key: 'cashbox',
    title: 'Online cash register (54-FZ, YooKassa receipts API)',
    summary:
      'Registers fiscal receipts sent by Tolem (Basic auth shopId:secret, Idempotence-Key replay as YooKassa) and answers invented fiscal data.',
    endpoints: [
      { method: 'POST', path: '/cashbox/v3/receipts', note: 'register a receipt (YooKassa body)' },
      { method: 'GET', path: '/cashbox/v3/receipts/{id}', note: 'one registered receipt' },
      {
        method: 'GET',
        path: '/_sandbox/cashbox/receipts?payment_id=…',
        note: 'every receipt received (JSON)',
      },
      {
        method: 'POST',
        path: '/_sandbox/cashbox/faults',
        note: '{"fail_next":N,"fail_status":500} or {"delay_next":N,"delay_ms":M} (JSON; an empty body clears)',
      },
    ],
    testData: `<p>Customer email <code>${REFUSED_EMAIL}</code>: the register refuses the receipt (400 invalid_request).</p>`,
    register(app) {
      registerCashboxRoutes(app, { config: deps.config, store, faults, sleep });
    },
    close() {
      for (const [t, resolve] of pending) {
        clearTimeout(t);
        resolve();
      }
      pending.clear();
    },
  };
}

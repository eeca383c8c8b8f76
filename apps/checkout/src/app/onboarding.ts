import type { Merchant } from '../domain/merchant';
import type {
  Clock,
  DueOnboardingStep,
  Log,
  MerchantPeersPort,
  MerchantRepository,
} from '../domain/ports';

export interface OnboardingDeps {
  merchants: MerchantRepository;
  peers: MerchantPeersPort;
  clock: Clock;
  log: Log;
  batchSize?: number;
}

/** Delivers one merchant's due steps now; answers the merchant as it stands afterwards. */
export type DeliverOnboarding = (merchantId: string) => Promise<Merchant | undefined>;

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

/** 1 s, 2 s, 4 s … capped at 5 minutes: a peer down for hours is asked a few times an hour. */
export function onboardingBackoffMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempts, 20), MAX_RETRY_MS);
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : '';
  const message = typeof e.message === 'string' ? e.message : 'failed';
  return (code ? `${code}: ${message}` : message).slice(0, 500);
}

/**
 * Onboarding's second half: hands each persisted step to the peer that owns it (ledger fee plan,
 * ledger settings, notifier endpoint) and marks it delivered. Peers replace their state with the
 * one given, so a step delivered twice (a crash between the call and the mark) is harmless; a
 * step changed meanwhile has a newer version and stays queued. Used right after a create or an
 * update, and by the sweeper for what a peer refused or missed.
 */
export function makeOnboarding(deps: OnboardingDeps) {
  async function deliver(due: DueOnboardingStep): Promise<boolean> {
    const { merchantId, step, version } = due;
    try {
      switch (step.step) {
        case 'ledger_fee_plan':
          await deps.peers.setFeePlan(merchantId, step.rules);
          break;
        case 'ledger_settings':
          await deps.peers.setMerchantSettings(merchantId, step.allowNegativeBalance);
          break;
        case 'notifier_endpoint': {
          const target = await deps.merchants.webhookTarget(merchantId);
          // An endpoint removed since (empty URL) has nothing left to deliver.
          if (target && target.url !== '') {
            // A replaced secret already past its expiry is not handed over again.
            const previous =
              target.previous && target.previous.expiresAt.getTime() > deps.clock.now().getTime()
                ? target.previous
                : undefined;
            await deps.peers.upsertEndpoint(merchantId, target.url, target.secret, previous);
          }
          break;
        }
      }
    } catch (err) {
      const next = new Date(deps.clock.now().getTime() + onboardingBackoffMs(due.attempts));
      await deps.merchants.markStepFailed(merchantId, step.step, version, describe(err), next);
      deps.log.warn(
        { merchantId, step: step.step, attempts: due.attempts + 1, error: describe(err) },
        'onboarding step not delivered; the sweeper retries it',
      );
      return false;
    }
    await deps.merchants.markStepDelivered(merchantId, step.step, version, deps.clock.now());
    return true;
  }

  const deliverFor: DeliverOnboarding = async (merchantId) => {
    const due = await deps.merchants.dueOnboardingSteps(deps.clock.now(), 10, merchantId);
    for (const step of due) await deliver(step);
    return deps.merchants.findById(merchantId);
  };

  /** One sweep over every merchant's due steps. */
  async function sweep(): Promise<{ delivered: number; failed: number }> {
    const due = await deps.merchants.dueOnboardingSteps(deps.clock.now(), deps.batchSize ?? 100);
    let delivered = 0;
    let failed = 0;
    for (const step of due) {
      if (await deliver(step)) delivered += 1;
      else failed += 1;
    }
    if (delivered > 0) deps.log.info({ delivered }, 'delivered pending onboarding steps');
    return { delivered, failed };
  }

  return { deliverFor, sweep };
}

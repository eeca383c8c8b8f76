import {
  LedgerServiceService,
  type SetFeePlanRequest,
  SetFeePlanResponse,
  type SetMerchantSettingsRequest,
  SetMerchantSettingsResponse,
} from '@tolem/contracts/ledger';
import {
  NotifierServiceService,
  type UpsertEndpointRequest,
  UpsertEndpointResponse,
} from '@tolem/contracts/notifier';
import { DomainError } from '@tolem/errors';
import { createGrpcServer, type Handlers } from '@tolem/grpc-kit';
import { createLogger } from '@tolem/observability';

const silent = createLogger({ service: 'checkout-it-peer', level: 'silent' });

const unimplemented = async (): Promise<never> => {
  throw new DomainError('NOT_IMPLEMENTED', 'unimplemented', 'not in this double');
};

function allUnimplemented<S extends object>(service: S): Handlers<S> {
  return Object.fromEntries(
    Object.keys(service).map((name) => [name, unimplemented]),
  ) as unknown as Handlers<S>;
}

/**
 * Doubles of the peers onboarding talks to: the ledger's fee plan and settings RPCs and the
 * notifier's UpsertEndpoint, as real gRPC servers that remember the last state per merchant and
 * can be switched down (UNAVAILABLE) to show the onboarding sweeper finishing the job.
 */
export async function startFakeOnboardingPeers() {
  const state = { down: false };
  const feePlans = new Map<string, SetFeePlanRequest>();
  const settings = new Map<string, SetMerchantSettingsRequest>();
  const endpoints = new Map<string, UpsertEndpointRequest>();
  const refuseWhenDown = () => {
    if (state.down) throw new DomainError('PEER_DOWN', 'unavailable', 'peer is down');
  };

  const ledger = createGrpcServer({ log: silent });
  ledger.addService(LedgerServiceService, {
    ...allUnimplemented(LedgerServiceService),
    async setFeePlan(req) {
      refuseWhenDown();
      feePlans.set(req.merchantId, req);
      return SetFeePlanResponse.fromPartial({
        plan: { merchantId: req.merchantId, rules: req.rules },
      });
    },
    async setMerchantSettings(req) {
      refuseWhenDown();
      settings.set(req.merchantId, req);
      return SetMerchantSettingsResponse.fromPartial({ settings: req });
    },
  });
  const notifier = createGrpcServer({ log: silent });
  notifier.addService(NotifierServiceService, {
    ...allUnimplemented(NotifierServiceService),
    async upsertEndpoint(req) {
      refuseWhenDown();
      endpoints.set(req.merchantId, req);
      return UpsertEndpointResponse.fromPartial({
        endpoint: { merchantId: req.merchantId, url: req.url },
      });
    },
  });
  const ledgerPort = await ledger.listen(0);
  const notifierPort = await notifier.listen(0);
  return {
    state,
    feePlans,
    settings,
    endpoints,
    ledgerAddress: `127.0.0.1:${ledgerPort}`,
    notifierAddress: `127.0.0.1:${notifierPort}`,
    async close() {
      await ledger.drain(1_000);
      await notifier.drain(1_000);
    },
  };
}

import { DomainError } from '@tolem/errors';

/**
 * Who may call whom over gRPC: the one runtime table of the service graph. deploy/src/authz.spec.ts
 * holds it equal to the graph the apps' code creates (`createClient(XServiceClient, …)` against
 * `addService(XServiceService, …)`), so a new client without a new row here (or a row left
 * behind) fails CI rather than PERMISSION_DENIED in production.
 */

/**
 * The identity of the operators' tools (npm run cases, refunds, reconcile, check-consistency, …).
 * A person holding the operator certificate may call every service: its certificate is issued by
 * hand to the on-call, not mounted in any pod.
 */
export const OPERATOR_IDENTITY = 'operator';

/** The stable code of a caller refused by this table (PERMISSION_DENIED on the wire). */
export const CALLER_NOT_ALLOWED = 'CALLER_NOT_ALLOWED';

/** Each gRPC service (full proto name) -> the app that serves it and the apps that call it. */
export const SERVICE_GRAPH: Readonly<
  Record<string, { server: string; callers: readonly string[] }>
> = {
  'tolem.checkout.v1.CheckoutService': { server: 'checkout', callers: ['gateway', 'recurring'] },
  'tolem.checkout.v1.MerchantService': { server: 'checkout', callers: ['gateway', 'recurring'] },
  'tolem.checkout.v1.CaseService': { server: 'checkout', callers: ['gateway'] },
  'tolem.checkout.v1.RefundService': { server: 'checkout', callers: ['gateway'] },
  'tolem.checkout.v1.ReconcilerService': { server: 'checkout', callers: [] },
  'tolem.ledger.v1.LedgerService': {
    server: 'ledger',
    callers: ['checkout', 'gateway', 'recurring', 'reporting'],
  },
  'tolem.notifier.v1.NotifierService': { server: 'notifier', callers: ['checkout', 'gateway'] },
  'tolem.provider.v1.ProviderService': { server: 'provider-adapters', callers: ['checkout'] },
  'tolem.qr.v1.QrService': { server: 'qr-platform', callers: ['checkout', 'gateway'] },
  'tolem.recurring.v1.RecurringService': { server: 'recurring', callers: ['checkout', 'gateway'] },
  'tolem.reporting.v1.ReportingService': { server: 'reporting', callers: ['gateway'] },
};

/**
 * The ledger's money-moving methods: narrower than the ledger's callers. The gateway reads
 * balances and statements but must never mint or move money, even if it is compromised.
 */
const LEDGER_WRITERS = ['checkout', 'recurring', OPERATOR_IDENTITY] as const;
export const METHOD_CALLERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [
    'PostPayment',
    'PostPayments',
    'RefundPayment',
    'ResolveRefund',
    'PostPayout',
    'CreateHold',
    'PostHold',
    'VoidHold',
    'ReverseTransaction',
    'PostTransaction',
    'RecordPaymentEvent',
    'HoldUnappliedFunds',
    'ApplyUnappliedFunds',
    'ReturnUnappliedFunds',
    'SetFeePlan',
    'SetMerchantSettings',
  ].map((m) => [`/tolem.ledger.v1.LedgerService/${m}`, LEDGER_WRITERS]),
);

/** Services every holder of a certificate of our CA may call (health, the schema). */
const OPEN_SERVICES = new Set([
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
]);

/** `/pkg.Service/Method` -> `pkg.Service`. */
export function serviceOfPath(path: string): string {
  return path.split('/')[1] ?? '';
}

/** The app serving a generated client's service (e.g. LedgerServiceClient -> "ledger"). */
export function serverOfPath(path: string): string | undefined {
  return SERVICE_GRAPH[serviceOfPath(path)]?.server;
}

/**
 * Whether `caller` (the identity in its verified certificate) may call `path` on the app `self`.
 * Fails closed: a service missing from the table is callable by nobody but its own app.
 */
export function isCallerAllowed(self: string, caller: string | undefined, path: string): boolean {
  if (caller === undefined) return false;
  const service = serviceOfPath(path);
  if (OPEN_SERVICES.has(service)) return true;
  const method = METHOD_CALLERS[path];
  if (method) return method.includes(caller);
  const entry = SERVICE_GRAPH[service];
  if (!entry || entry.server !== self) return caller === self;
  return caller === OPERATOR_IDENTITY || caller === self || entry.callers.includes(caller);
}

/** The refusal a caller gets (its identity is in the message: a name, never a secret). */
export function callerNotAllowed(caller: string | undefined, path: string): DomainError {
  return new DomainError(
    CALLER_NOT_ALLOWED,
    'forbidden',
    caller === undefined
      ? `${path} needs a client certificate of the platform's CA`
      : `${caller} may not call ${path}`,
  );
}

import { createGroupCommitter, type Outcome } from '@tolem/batching';
import type {
  CheckoutError,
  CheckoutServiceClient,
  CreatePaymentRequest,
  CreatePaymentResponse,
} from '@tolem/contracts/checkout';
import { DomainError, type ErrorKind } from '@tolem/errors';
import type { CallOpts, PromiseClient } from '@tolem/grpc-kit';
import { traceHeaders } from '@tolem/observability';

type Checkout = Pick<PromiseClient<CheckoutServiceClient>, 'createPayment' | 'createPayments'>;

export interface CreatePaymentsBatcherOptions {
  /** Batched calls in flight at once; creates arriving meanwhile wait for the next call. */
  lanes?: number;
  /** Most creates in one call (checkout accepts up to 500). */
  maxBatch?: number;
}

interface Item {
  request: CreatePaymentRequest;
  opts: CallOpts;
}

const KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'aborted',
  'precondition',
  'declined',
  'rate_limited',
  'unavailable',
  'timeout',
  'unimplemented',
  'internal',
]);

/** The DomainError the single CreatePayment call would have rejected with. */
export function errorOfItem(e: CheckoutError): DomainError {
  const kind = KINDS.has(e.kind as ErrorKind) ? (e.kind as ErrorKind) : 'internal';
  return new DomainError(e.code || 'INTERNAL', kind, e.message || 'CreatePayment failed', {
    details: e.details,
  });
}

/**
 * CreatePayment with the signature of the gRPC client's, sending the creates that arrive while
 * a call is in flight as one CreatePayments call (group commit over the network): concurrent
 * merchant requests cost checkout one gRPC call and one database commit together, instead of
 * one each. Each request still gets its own answer or its own error. A batched call that fails
 * as a whole (checkout down, an older checkout without CreatePayments) is retried item by item
 * with CreatePayment, each carrying its own request id, so the answers are those of the single
 * call. A batch travels with the request id of its first create.
 */
export function createPaymentsBatcher(
  checkout: Checkout,
  options: CreatePaymentsBatcherOptions = {},
): Checkout['createPayment'] {
  let next = 0;
  const committer = createGroupCommitter<Item, CreatePaymentResponse>({
    lanes: options.lanes ?? 2,
    maxBatch: options.maxBatch ?? 100,
    // Round robin: any idle lane may take the next create; order across creates is not promised.
    laneOf: () => (next = (next + 1) % 1_000_000),
    async writeBatch(items) {
      const res = await checkout.createPayments(
        { payments: items.map((i) => i.request) },
        items[0]?.opts,
      );
      if (res.results.length !== items.length) {
        throw new Error(`CreatePayments answered ${res.results.length} of ${items.length} items`);
      }
      return res.results.map((r): Outcome<CreatePaymentResponse> => {
        if (r.result?.$case === 'created') return { ok: true, value: r.result.value };
        if (r.result?.$case === 'error') return { ok: false, error: errorOfItem(r.result.value) };
        return { ok: false, error: new Error('CreatePayments answered an empty result') };
      });
    },
    writeOne: (item) => checkout.createPayment(item.request, item.opts),
  });
  return (request, opts = {}) => {
    // Each create carries its own request's trace: a batch travels in one call (one trace), but
    // every payment's completion continues the trace of the request that asked for it.
    const { traceparent } = traceHeaders();
    return committer.submit({
      request: traceparent && !request.traceparent ? { ...request, traceparent } : request,
      opts,
    });
  };
}

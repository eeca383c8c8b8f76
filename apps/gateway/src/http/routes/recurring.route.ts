import type { RecurringServiceClient } from '@tolem/contracts/recurring';
import type { PromiseClient } from '@tolem/grpc-kit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import {
  type ApiKeyAuthenticator,
  authenticateMerchantScope,
  livemodeOf,
  merchantIdOf,
} from '../auth';
import {
  IDEMPOTENCY_HEADERS,
  idempotencyKeyOf,
  OPTIONAL_IDEMPOTENCY_HEADERS,
  requiredIdempotencyKey,
  requireIdempotencyKeyFirst,
} from '../headers';
import { idPage } from '../mappers/list.mapper';
import {
  bindingToJson,
  chargeToJson,
  operationToJson,
  receiptToJson,
  toCreateOperationRequest,
  toListBindingsRequest,
  toListChargesRequest,
  toListOperationsRequest,
  toListReceiptsRequest,
  toUpdateOperationRequest,
} from '../mappers/recurring.mapper';
import { operation } from '../openapi';
import {
  bindingJsonSchema,
  chargeJsonSchema,
  type CreateOperationBody,
  createOperationBodySchema,
  emptyBodySchema,
  type ListBindingsQuery,
  listBindingsQuerySchema,
  type ListChargesQuery,
  listChargesQuerySchema,
  type ListOperationsQuery,
  listOperationsQuerySchema,
  type ListReceiptsQuery,
  listReceiptsQuerySchema,
  listSchemaOf,
  operationJsonSchema,
  receiptJsonSchema,
  revokedBindingJsonSchema,
  type UpdateOperationBody,
  updateOperationBodySchema,
} from '../recurring.schemas';
import { idParamsSchema } from '../schemas';

/** The recurring service's merchant-facing RPCs, as the gateway uses them. */
export type RecurringClient = Pick<
  PromiseClient<RecurringServiceClient>,
  | 'listCardBindings'
  | 'getCardBinding'
  | 'revokeCardBinding'
  | 'setScheduledOperation'
  | 'getScheduledOperation'
  | 'listScheduledOperations'
  | 'pauseScheduledOperation'
  | 'resumeScheduledOperation'
  | 'cancelScheduledOperation'
  | 'listCharges'
  | 'getReceipt'
  | 'listReceipts'
>;

export interface RecurringRouteDeps {
  authenticate: ApiKeyAuthenticator;
  recurring: RecurringClient;
}

/**
 * Card bindings, scheduled (recurring) operations with their charges, and receipts on the
 * merchant API, over the recurring service's gRPC. Every call names the API key's merchant; the
 * recurring service answers not-found for another merchant's ids, as for unknown ones.
 */
export function recurringRoutes(deps: RecurringRouteDeps): FastifyPluginAsync {
  return async (app) => {
    authenticateMerchantScope(app, deps.authenticate);
    const r = deps.recurring;
    const opRef = (request: FastifyRequest<{ Params: { id: string } }>) => ({
      merchantId: merchantIdOf(request),
      operationId: request.params.id,
      livemode: livemodeOf(request),
    });

    // ---- card bindings ----

    app.get<{ Querystring: ListBindingsQuery }>(
      '/v1/card_bindings',
      {
        schema: {
          ...operation('listCardBindings', 'Your card bindings, newest first'),
          querystring: listBindingsQuerySchema,
          response: { 200: listSchemaOf(bindingJsonSchema) },
        },
      },
      async (request) => {
        const res = await r.listCardBindings(
          {
            ...toListBindingsRequest(request.query, merchantIdOf(request)),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage('/v1/card_bindings', res.bindings.map(bindingToJson), res.hasMore);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/card_bindings/:id',
      {
        schema: {
          ...operation('getCardBinding', 'Retrieve a card binding'),
          params: idParamsSchema,
          response: { 200: bindingJsonSchema },
        },
      },
      async (request) => {
        const res = await r.getCardBinding(
          {
            merchantId: merchantIdOf(request),
            bindingId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return bindingToJson(res.binding);
      },
    );

    app.post<{ Params: { id: string }; Body: Record<string, never> | null | undefined }>(
      '/v1/card_bindings/:id/revoke',
      {
        schema: {
          ...operation(
            'revokeCardBinding',
            'Revoke a binding for good: no further charge, its operations are canceled',
          ),
          params: idParamsSchema,
          body: emptyBodySchema,
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          response: { 200: revokedBindingJsonSchema },
        },
      },
      async (request) => {
        const res = await r.revokeCardBinding(
          {
            merchantId: merchantIdOf(request),
            bindingId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        request.log.info(
          { bindingId: request.params.id, canceled: res.canceledOperationIds.length },
          'card binding revoked',
        );
        return { ...bindingToJson(res.binding), canceled_operations: res.canceledOperationIds };
      },
    );

    // ---- scheduled operations ----

    app.post<{ Body: CreateOperationBody }>(
      '/v1/recurring_operations',
      {
        schema: {
          ...operation(
            'createRecurringOperation',
            'Schedule charges of an activated card binding (the seed’s SetScheduledOperation)',
          ),
          body: createOperationBodySchema,
          headers: IDEMPOTENCY_HEADERS,
          response: {
            201: { ...operationJsonSchema, description: 'Created; `Location` names it' },
            200: {
              ...operationJsonSchema,
              description: 'The recurring service recognised the key (its own replay)',
            },
          },
        },
        // Before the body is parsed: a retry-unsafe request is refused whatever its body.
        preParsing: requireIdempotencyKeyFirst,
      },
      async (request, reply) => {
        const res = await r.setScheduledOperation(
          {
            ...toCreateOperationRequest(
              request.body,
              merchantIdOf(request),
              requiredIdempotencyKey(request.headers),
            ),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        const json = operationToJson(res.operation);
        if (res.replayed) {
          return reply.code(200).header('idempotent-replayed', 'true').send(json);
        }
        request.log.info({ operationId: json.id }, 'recurring operation created');
        return reply
          .code(201)
          .header('location', `/v1/recurring_operations/${encodeURIComponent(json.id)}`)
          .send(json);
      },
    );

    app.post<{ Params: { id: string }; Body: UpdateOperationBody }>(
      '/v1/recurring_operations/:id',
      {
        schema: {
          ...operation(
            'updateRecurringOperation',
            'Change an operation: what is sent changes, for future charges only',
          ),
          params: idParamsSchema,
          body: updateOperationBodySchema,
          headers: OPTIONAL_IDEMPOTENCY_HEADERS,
          response: { 200: operationJsonSchema },
        },
      },
      async (request) => {
        const res = await r.setScheduledOperation(
          {
            ...toUpdateOperationRequest(
              request.body,
              merchantIdOf(request),
              request.params.id,
              idempotencyKeyOf(request.headers),
            ),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return operationToJson(res.operation);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/recurring_operations/:id',
      {
        schema: {
          ...operation('getRecurringOperation', 'Retrieve an operation'),
          params: idParamsSchema,
          response: { 200: operationJsonSchema },
        },
      },
      async (request) => {
        const res = await r.getScheduledOperation(opRef(request), { requestId: request.id });
        return operationToJson(res.operation);
      },
    );

    app.get<{ Querystring: ListOperationsQuery }>(
      '/v1/recurring_operations',
      {
        schema: {
          ...operation(
            'listRecurringOperations',
            'Your operations, newest first (the seed’s GetScheduledOperation)',
          ),
          querystring: listOperationsQuerySchema,
          response: { 200: listSchemaOf(operationJsonSchema) },
        },
      },
      async (request) => {
        const res = await r.listScheduledOperations(
          {
            ...toListOperationsRequest(request.query, merchantIdOf(request)),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage('/v1/recurring_operations', res.operations.map(operationToJson), res.hasMore);
      },
    );

    const stateChanges = [
      [
        'pause',
        'pauseRecurringOperation',
        'Stop charging until resumed; occurrences due meanwhile are skipped',
        (req: ReturnType<typeof opRef>, ctx: { requestId: string }) =>
          r.pauseScheduledOperation(req, ctx),
      ],
      [
        'resume',
        'resumeRecurringOperation',
        'Charge again from the next occurrence after now',
        (req: ReturnType<typeof opRef>, ctx: { requestId: string }) =>
          r.resumeScheduledOperation(req, ctx),
      ],
      [
        'cancel',
        'cancelRecurringOperation',
        'Cancel for good (`recurring.operation.canceled`, reason `merchant`)',
        (req: ReturnType<typeof opRef>, ctx: { requestId: string }) =>
          r.cancelScheduledOperation(req, ctx),
      ],
    ] as const;
    for (const [action, operationId, summary, call] of stateChanges) {
      app.post<{ Params: { id: string }; Body: Record<string, never> | null | undefined }>(
        `/v1/recurring_operations/:id/${action}`,
        {
          schema: {
            ...operation(operationId, summary),
            params: idParamsSchema,
            body: emptyBodySchema,
            headers: OPTIONAL_IDEMPOTENCY_HEADERS,
            response: { 200: operationJsonSchema },
          },
        },
        async (request) => {
          const res = await call(opRef(request), { requestId: request.id });
          if (res.changed) {
            request.log.info({ operationId: request.params.id, action }, 'recurring operation');
          }
          return operationToJson(res.operation);
        },
      );
    }

    app.get<{ Params: { id: string }; Querystring: ListChargesQuery }>(
      '/v1/recurring_operations/:id/charges',
      {
        schema: {
          ...operation(
            'listRecurringCharges',
            "An operation's due charges with their attempts, newest first",
          ),
          params: idParamsSchema,
          querystring: listChargesQuerySchema,
          response: { 200: listSchemaOf(chargeJsonSchema) },
        },
      },
      async (request) => {
        const res = await r.listCharges(
          {
            ...toListChargesRequest(request.query, merchantIdOf(request), request.params.id),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage(
          `/v1/recurring_operations/${encodeURIComponent(request.params.id)}/charges`,
          res.charges.map(chargeToJson),
          res.hasMore,
        );
      },
    );

    // ---- receipts ----

    app.get<{ Params: { id: string } }>(
      '/v1/receipts/:id',
      {
        schema: {
          ...operation('getReceipt', 'Retrieve a receipt (online cash register, 54-FZ)'),
          params: idParamsSchema,
          response: { 200: receiptJsonSchema },
        },
      },
      async (request) => {
        const res = await r.getReceipt(
          {
            merchantId: merchantIdOf(request),
            receiptId: request.params.id,
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return receiptToJson(res.receipt);
      },
    );

    app.get<{ Querystring: ListReceiptsQuery }>(
      '/v1/receipts',
      {
        schema: {
          ...operation('listReceipts', 'Your receipts, newest first'),
          querystring: listReceiptsQuerySchema,
          response: { 200: listSchemaOf(receiptJsonSchema) },
        },
      },
      async (request) => {
        const res = await r.listReceipts(
          {
            ...toListReceiptsRequest(request.query, merchantIdOf(request)),
            livemode: livemodeOf(request),
          },
          { requestId: request.id },
        );
        return idPage('/v1/receipts', res.receipts.map(receiptToJson), res.hasMore);
      },
    );
  };
}

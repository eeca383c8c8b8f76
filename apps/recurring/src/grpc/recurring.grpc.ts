import {
  CancelScheduledOperationResponse,
  GetCardBindingResponse,
  GetScheduledOperationResponse,
  ListCardBindingsResponse,
  ListScheduledOperationsResponse,
  PauseScheduledOperationResponse,
  RecordCardBindingResponse,
  type RecurringServiceService,
  ResumeScheduledOperationResponse,
  RevokeCardBindingResponse,
  SetScheduledOperationResponse,
} from '@tolem/contracts/recurring';
import type { Handlers } from '@tolem/grpc-kit';

import type {
  makeGetCardBinding,
  makeListCardBindings,
  makeRevokeCardBinding,
} from '../app/card-bindings';
import type { makeRecordCardBinding } from '../app/record-card-binding';
import type {
  makeGetScheduledOperation,
  makeListScheduledOperations,
  makeOperationTransition,
  makeSetScheduledOperation,
} from '../app/scheduled-operations';
import { recurringErrors } from '../domain/errors';
import {
  bindingToProto,
  listBindingsRequestToDomain,
  listOperationsRequestToDomain,
  operationToProto,
  recordRequestToDomain,
  setRequestToDomain,
} from './recurring.mapper';

type AllHandlers = Handlers<typeof RecurringServiceService>;

/** The bindings and scheduled operations RPCs; charges, receipts and the test clock are other groups. */
export type BindingAndOperationHandlers = Pick<
  AllHandlers,
  | 'recordCardBinding'
  | 'listCardBindings'
  | 'getCardBinding'
  | 'revokeCardBinding'
  | 'setScheduledOperation'
  | 'getScheduledOperation'
  | 'listScheduledOperations'
  | 'pauseScheduledOperation'
  | 'resumeScheduledOperation'
  | 'cancelScheduledOperation'
>;

/** Every other RPC of the service, written beside their own use cases (charges, receipts, clock). */
export type OtherRecurringHandlers = Omit<AllHandlers, keyof BindingAndOperationHandlers>;

export interface RecurringHandlerDeps {
  recordCardBinding: ReturnType<typeof makeRecordCardBinding>;
  listCardBindings: ReturnType<typeof makeListCardBindings>;
  getCardBinding: ReturnType<typeof makeGetCardBinding>;
  revokeCardBinding: ReturnType<typeof makeRevokeCardBinding>;
  setScheduledOperation: ReturnType<typeof makeSetScheduledOperation>;
  getScheduledOperation: ReturnType<typeof makeGetScheduledOperation>;
  listScheduledOperations: ReturnType<typeof makeListScheduledOperations>;
  pauseScheduledOperation: ReturnType<typeof makeOperationTransition>;
  resumeScheduledOperation: ReturnType<typeof makeOperationTransition>;
  cancelScheduledOperation: ReturnType<typeof makeOperationTransition>;
}

/**
 * Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. A request that
 * names the API key's mode reaches only objects of that mode: another mode's binding or operation
 * is NOT_FOUND exactly like an unknown one, so a test key never reads, revokes, edits or resumes a
 * live one (and so never starts a live charge).
 */
export function bindingAndOperationHandlers(
  deps: RecurringHandlerDeps,
): BindingAndOperationHandlers {
  async function bindingInMode(merchantId: string, bindingId: string, livemode?: boolean) {
    const binding = await deps.getCardBinding(merchantId, bindingId);
    if (livemode !== undefined && binding.livemode !== livemode) {
      throw recurringErrors.create('RECURRING_BINDING_NOT_FOUND', 'no such card binding', {
        details: { field: 'binding_id' },
      });
    }
    return binding;
  }
  async function operationInMode(merchantId: string, operationId: string, livemode?: boolean) {
    const operation = await deps.getScheduledOperation(merchantId, operationId);
    if (livemode !== undefined && operation.livemode !== livemode) {
      throw recurringErrors.create('RECURRING_OPERATION_NOT_FOUND', 'no such scheduled operation', {
        details: { field: 'operation_id' },
      });
    }
    return operation;
  }
  /** Before a change: the object must be of the key's mode (a check only when a mode is named). */
  async function operationModeChecked(req: {
    merchantId: string;
    operationId: string;
    livemode?: boolean | undefined;
  }) {
    if (req.livemode !== undefined)
      await operationInMode(req.merchantId, req.operationId, req.livemode);
  }
  return {
    async recordCardBinding(req) {
      const { binding, alreadyExisted } = await deps.recordCardBinding(recordRequestToDomain(req));
      return RecordCardBindingResponse.fromPartial({
        binding: bindingToProto(binding),
        alreadyExisted,
      });
    },
    async listCardBindings(req) {
      const { bindings, hasMore } = await deps.listCardBindings(listBindingsRequestToDomain(req));
      return ListCardBindingsResponse.fromPartial({
        bindings: bindings.map(bindingToProto),
        hasMore,
      });
    },
    async getCardBinding(req) {
      const binding = await bindingInMode(req.merchantId, req.bindingId, req.livemode);
      return GetCardBindingResponse.fromPartial({ binding: bindingToProto(binding) });
    },
    async revokeCardBinding(req) {
      if (req.livemode !== undefined)
        await bindingInMode(req.merchantId, req.bindingId, req.livemode);
      const { binding, canceledOperationIds } = await deps.revokeCardBinding(
        req.merchantId,
        req.bindingId,
      );
      return RevokeCardBindingResponse.fromPartial({
        binding: bindingToProto(binding),
        canceledOperationIds,
      });
    },
    async setScheduledOperation(req) {
      if (req.livemode !== undefined) {
        if (req.operationId) await operationModeChecked(req);
        else if (req.bindingId) await bindingInMode(req.merchantId, req.bindingId, req.livemode);
      }
      const { operation, created, replayed } = await deps.setScheduledOperation(
        setRequestToDomain(req),
      );
      return SetScheduledOperationResponse.fromPartial({
        operation: operationToProto(operation),
        created,
        replayed,
      });
    },
    async getScheduledOperation(req) {
      const operation = await operationInMode(req.merchantId, req.operationId, req.livemode);
      return GetScheduledOperationResponse.fromPartial({ operation: operationToProto(operation) });
    },
    async listScheduledOperations(req) {
      const { operations, hasMore } = await deps.listScheduledOperations(
        listOperationsRequestToDomain(req),
      );
      return ListScheduledOperationsResponse.fromPartial({
        operations: operations.map(operationToProto),
        hasMore,
      });
    },
    async pauseScheduledOperation(req) {
      await operationModeChecked(req);
      const { operation, changed } = await deps.pauseScheduledOperation(
        req.merchantId,
        req.operationId,
      );
      return PauseScheduledOperationResponse.fromPartial({
        operation: operationToProto(operation),
        changed,
      });
    },
    async resumeScheduledOperation(req) {
      await operationModeChecked(req);
      const { operation, changed } = await deps.resumeScheduledOperation(
        req.merchantId,
        req.operationId,
      );
      return ResumeScheduledOperationResponse.fromPartial({
        operation: operationToProto(operation),
        changed,
      });
    },
    async cancelScheduledOperation(req) {
      await operationModeChecked(req);
      const { operation, changed } = await deps.cancelScheduledOperation(
        req.merchantId,
        req.operationId,
      );
      return CancelScheduledOperationResponse.fromPartial({
        operation: operationToProto(operation),
        changed,
      });
    },
  };
}

/** The whole RecurringService: this group plus the groups main.ts composes for the other RPCs. */
export function recurringHandlers(
  deps: RecurringHandlerDeps,
  others: OtherRecurringHandlers,
): AllHandlers {
  return { ...bindingAndOperationHandlers(deps), ...others };
}

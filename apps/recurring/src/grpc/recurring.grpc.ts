import { ListCardBindingsResponse, RecordCardBindingResponse, type RecurringServiceService } from '@tolem/contracts/recurring';
import type { Handlers } from '@tolem/grpc-kit';

import type { makeRecordCardBinding } from '../app/record-card-binding';
import type { CardBindingRepository } from '../domain/ports';
import { bindingToProto, recordRequestToDomain } from './recurring.mapper';

export interface RecurringHandlerDeps {
  recordCardBinding: ReturnType<typeof makeRecordCardBinding>;
  bindings: CardBindingRepository;
}

/** Thin transport: map, call one use case, map back. Errors are mapped by grpc-kit. */
export function recurringHandlers(deps: RecurringHandlerDeps): Handlers<typeof RecurringServiceService> {
  return {
    async recordCardBinding(req) {
      const { binding, alreadyExisted } = await deps.recordCardBinding(recordRequestToDomain(req));
      return RecordCardBindingResponse.fromPartial({ binding: bindingToProto(binding), alreadyExisted });
    },
    async listCardBindings(req) {
      const bindings = await deps.bindings.listByMerchant(req.merchantId);
      return ListCardBindingsResponse.fromPartial({ bindings: bindings.map(bindingToProto) });
    },
  };
}

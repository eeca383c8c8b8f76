import type { Clock, JournalRepository } from '../domain/ports';
import {
  type RecordPaymentEventCommand,
  replayFact,
  validateStatusFact,
} from '../domain/status-fact';

export interface RecordPaymentEventDeps {
  journal: Pick<JournalRepository, 'recordFact'>;
  clock: Clock;
}

export interface RecordPaymentEventResult {
  /** '' when superseded. */
  eventId: string;
  /** 0 when superseded. */
  sequence: bigint;
  alreadyExisted: boolean;
  /** The payment's money moved first: the fact was stale and no event was written. */
  superseded: boolean;
}

/**
 * Records a payment status fact (pending, failed, expired, canceled, requires_review) or a
 * recurring fact (recurring.charge.*, recurring.operation.canceled) as an event in the payment's
 * one sequence, with no postings. A status fact after the payment's money is superseded; a
 * recurring fact, which changes no status, is appended whatever the money did. Idempotent with
 * TigerBeetle semantics.
 */
export function makeRecordPaymentEvent(deps: RecordPaymentEventDeps) {
  return async (cmd: RecordPaymentEventCommand): Promise<RecordPaymentEventResult> => {
    const fact = validateStatusFact(cmd, deps.clock.now());
    const result = await deps.journal.recordFact(fact);
    if (result.recorded) {
      return {
        eventId: result.eventId,
        sequence: result.sequence,
        alreadyExisted: false,
        superseded: false,
      };
    }
    if (result.superseded)
      return { eventId: '', sequence: 0n, alreadyExisted: false, superseded: true };
    replayFact(result.existing, fact);
    return {
      eventId: result.existing.eventId,
      sequence: result.existing.sequence,
      alreadyExisted: true,
      superseded: result.existing.sequence === 0n,
    };
  };
}

export type RecordPaymentEvent = ReturnType<typeof makeRecordPaymentEvent>;

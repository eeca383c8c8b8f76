import type { CallbackDecision, HttpReply } from '../../domain/callback';
import type { ProviderErrorCode } from '../../domain/errors';
import type { ProviderTransaction } from '../../domain/provider-transaction';

/**
 * A callback verdict reached before anything changed: a refusal with its reason. Adapters throw
 * it inside their callback handling and turn it into a result at one place, so no refusal path
 * can forget to leave the transaction untouched.
 */
export class Refusal extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    /** For the log: why, in words; never values of secrets or signatures. */
    readonly note: string,
    /** Names of the fields involved (names only). */
    readonly fields: string[] = [],
    readonly tx?: ProviderTransaction,
    readonly level: 'info' | 'warn' | 'error' = 'warn',
  ) {
    super(note);
    this.name = 'Refusal';
  }
}

/** The callback result of a refusal: outcome rejected, nothing changed, the provider's refusal reply. */
export function refusedResult(
  refusal: Refusal,
  reply: HttpReply,
  verdict: 'rejected' | 'precheck_refused' = 'rejected',
): CallbackDecision {
  return {
    reply,
    outcome: 'rejected',
    verdict,
    paymentId: refusal.tx?.paymentId,
    attributes: {},
    reasonCode: refusal.code,
    diagnostics: { note: refusal.note, fields: refusal.fields, level: refusal.level },
  };
}

import {
  type CardBinding as PbCardBinding,
  CardBindingState,
  ChargeBoundCardRequest,
  DeclineKind,
  GetCallbackRequest,
  HandleCallbackRequest,
  ListSettledTransactionsRequest,
  Outcome,
  ProviderServiceClient,
  QueryPaymentStatusRequest,
  RefundPaymentRequest,
  StartPaymentRequest,
  SubmitPayerInputRequest,
} from '@tolem/contracts/provider';
import { createClient } from '@tolem/grpc-kit';
import { money } from '@tolem/money';

import { checkoutErrors } from '../domain/errors';
import type {
  PaymentProviderPort,
  ProviderPaymentStatus,
  ProviderRefundPort,
} from '../domain/ports';
import type {
  BoundCardCharge,
  CallbackOutcome,
  PayerInputAnswer,
  ReportedCardBinding,
} from '../domain/provider';
import {
  actionFromProto,
  httpReplyFromProto,
  httpRequestToProto,
  methodFromProto,
  methodToProto,
  providerFromProto,
  providerToProto,
} from '../grpc/common.mapper';

const OUTCOMES: Partial<Record<Outcome, CallbackOutcome>> = {
  [Outcome.OUTCOME_SUCCEEDED]: 'succeeded',
  [Outcome.OUTCOME_FAILED]: 'failed',
  [Outcome.OUTCOME_PENDING]: 'pending',
  [Outcome.OUTCOME_PRECHECK_ACCEPTED]: 'precheck_accepted',
  [Outcome.OUTCOME_REJECTED]: 'rejected',
  [Outcome.OUTCOME_MANUAL_REVIEW]: 'manual_review',
  [Outcome.OUTCOME_UNREGISTERED_QR]: 'unregistered_qr',
};

const INPUT_OUTCOMES: Partial<Record<Outcome, PayerInputAnswer['outcome']>> = {
  [Outcome.OUTCOME_SUCCEEDED]: 'succeeded',
  [Outcome.OUTCOME_FAILED]: 'failed',
  [Outcome.OUTCOME_PENDING]: 'pending',
  [Outcome.OUTCOME_MANUAL_REVIEW]: 'manual_review',
};

const STATUS_OUTCOMES: Partial<Record<Outcome, ProviderPaymentStatus['outcome']>> = {
  [Outcome.OUTCOME_SUCCEEDED]: 'succeeded',
  [Outcome.OUTCOME_FAILED]: 'failed',
  [Outcome.OUTCOME_PENDING]: 'pending',
  [Outcome.OUTCOME_MANUAL_REVIEW]: 'manual_review',
};

const BINDING_STATES: Partial<Record<CardBindingState, ReportedCardBinding['state']>> = {
  [CardBindingState.CARD_BINDING_STATE_ACTIVATED]: 'activated',
  [CardBindingState.CARD_BINDING_STATE_ERROR]: 'error',
};

/** Null when absent or without a state: nothing a recurring charge could use. */
function cardBindingFromProto(b: PbCardBinding | undefined): ReportedCardBinding | null {
  const state = b ? BINDING_STATES[b.state] : undefined;
  if (!b || !state) return null;
  return { bindingRef: b.bindingRef, state, cardLast4: b.cardLast4 };
}

const REFUND_OUTCOMES: Partial<
  Record<Outcome, Awaited<ReturnType<ProviderRefundPort['refundPayment']>>['outcome']>
> = {
  [Outcome.OUTCOME_SUCCEEDED]: 'succeeded',
  [Outcome.OUTCOME_FAILED]: 'failed',
  [Outcome.OUTCOME_PENDING]: 'pending',
};

const CHARGE_OUTCOMES: Partial<Record<Outcome, BoundCardCharge['outcome']>> = {
  [Outcome.OUTCOME_SUCCEEDED]: 'succeeded',
  [Outcome.OUTCOME_FAILED]: 'failed',
  [Outcome.OUTCOME_PENDING]: 'pending',
};

/** A decline code the adapters did not classify is `unknown`; no code, no kind. */
function declineKindFromProto(kind: DeclineKind, code: string): BoundCardCharge['declineKind'] {
  if (kind === DeclineKind.DECLINE_KIND_SOFT) return 'soft';
  if (kind === DeclineKind.DECLINE_KIND_HARD) return 'hard';
  return code ? 'unknown' : '';
}

function badResponse(what: string) {
  return checkoutErrors.create('CHECKOUT_UPSTREAM_INVALID_RESPONSE', `provider adapters: ${what}`);
}

/**
 * PaymentProviderPort over gRPC to provider-adapters. Every call has a deadline; errors arrive as
 * DomainErrors with the adapters' codes and propagate unchanged.
 */
export function createProviderAdaptersClient(
  address: string,
  options: { deadlineMs: number },
): PaymentProviderPort & ProviderRefundPort & { close(): void } {
  const client = createClient(ProviderServiceClient, address, {
    defaultDeadlineMs: options.deadlineMs,
  });
  return {
    async startPayment(input) {
      const res = await client.startPayment(
        StartPaymentRequest.fromPartial({
          paymentId: input.paymentId,
          merchantId: input.merchantId,
          method: methodToProto(input.method),
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          description: input.description,
          successUrl: input.successUrl,
          failUrl: input.failUrl,
          payer: input.payer,
          providerShopId: input.providerShopId,
          livemode: input.livemode,
        }),
      );
      const provider = providerFromProto(res.provider);
      const action = actionFromProto(res.action);
      if (!provider) throw badResponse('StartPayment without a provider');
      if (!action) throw badResponse('StartPayment without an action');
      return { provider, action, providerReference: res.providerReference };
    },

    async handleCallback(provider, request) {
      const res = await client.handleCallback(
        HandleCallbackRequest.fromPartial({
          provider: providerToProto(provider),
          request: httpRequestToProto(request),
        }),
      );
      const outcome = OUTCOMES[res.outcome];
      if (!outcome) throw badResponse('HandleCallback without an outcome');
      if (!res.reply) throw badResponse('HandleCallback without a reply');
      if (!res.retryReply) throw badResponse('HandleCallback without a retry reply');
      if (!res.refusalReply) throw badResponse('HandleCallback without a refusal reply');
      return {
        reply: httpReplyFromProto(res.reply),
        retryReply: httpReplyFromProto(res.retryReply),
        refusalReply: httpReplyFromProto(res.refusalReply),
        outcome,
        paymentId: res.paymentId,
        amount: res.amount
          ? { amountMinor: res.amount.amountMinor, currency: res.amount.currency }
          : null,
        method: methodFromProto(res.method),
        providerPaymentId: res.providerPaymentId,
        attributes: { ...res.attributes },
        reasonCode: res.reasonCode,
        callbackId: res.callbackId,
        cardBinding: cardBindingFromProto(res.cardBinding),
        qrCodeId: res.qrCodeId,
      };
    },

    async submitPayerInput(input) {
      const res = await client.submitPayerInput(
        SubmitPayerInputRequest.fromPartial({
          paymentId: input.paymentId,
          fields: input.fields,
          method: methodToProto(input.method),
        }),
      );
      const outcome = INPUT_OUTCOMES[res.outcome];
      if (!outcome) throw badResponse('SubmitPayerInput without an outcome');
      return {
        outcome,
        nextAction: actionFromProto(res.nextAction),
        providerPaymentId: res.providerPaymentId,
        reasonCode: res.reasonCode,
        message: res.message,
        payerMayRetry: res.payerMayRetry,
        // Absent stays null: a success without a reported amount must not look like the full one.
        amount: res.amount
          ? { amountMinor: res.amount.amountMinor, currency: res.amount.currency }
          : null,
        attributes: { ...res.attributes },
      };
    },

    async getCallback(callbackId) {
      const res = await client.getCallback(GetCallbackRequest.fromPartial({ callbackId }));
      const c = res.callback;
      if (!c) throw badResponse('GetCallback without a callback');
      return {
        callbackId: c.callbackId,
        receivedAt: c.receivedAt ?? null,
        method: c.method,
        path: c.path,
        query: c.query,
        headers: { ...c.headers },
        body: c.body,
        verdict: c.verdict,
        reasonCode: c.reasonCode,
      };
    },

    async listSettledTransactions(input) {
      const res = await client.listSettledTransactions(
        ListSettledTransactionsRequest.fromPartial({
          cursor: input.cursor,
          settledBefore: input.settledBefore,
          limit: input.limit,
          extraTransfers: input.extraTransfers ?? false,
        }),
      );
      return {
        transactions: res.transactions.map((t) => {
          const provider = providerFromProto(t.provider);
          if (!provider) throw badResponse('ListSettledTransactions without a provider');
          const binding = cardBindingFromProto(t.cardBinding);
          return {
            paymentId: t.paymentId,
            merchantId: t.merchantId,
            provider,
            method: methodFromProto(t.method),
            providerPaymentId: t.providerPaymentId,
            amount: t.amount ? money(t.amount.amountMinor, t.amount.currency) : null,
            attributes: { ...t.attributes },
            settledAt: t.settledAt ?? new Date(0),
            transactionId: t.transactionId,
            ...(binding ? { cardBinding: binding } : {}),
          };
        }),
        nextCursor: res.nextCursor,
      };
    },

    async queryPaymentStatus(paymentId) {
      const res = await client.queryPaymentStatus(
        QueryPaymentStatusRequest.fromPartial({ paymentId }),
      );
      const provider = providerFromProto(res.provider);
      const outcome = STATUS_OUTCOMES[res.outcome];
      if (!provider) throw badResponse('QueryPaymentStatus without a provider');
      if (!outcome) throw badResponse('QueryPaymentStatus without an outcome');
      return {
        provider,
        method: methodFromProto(res.method),
        outcome,
        providerPaymentId: res.providerPaymentId,
        amount: res.amount ? money(res.amount.amountMinor, res.amount.currency) : null,
        attributes: { ...res.attributes },
        checkedWithProvider: res.checkedWithProvider,
      };
    },

    async chargeBoundCard(input) {
      const res = await client.chargeBoundCard(
        ChargeBoundCardRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          merchantId: input.merchantId,
          bindingRef: input.bindingRef,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
          description: input.description,
          paymentId: input.paymentId,
        }),
      );
      const outcome = CHARGE_OUTCOMES[res.outcome];
      if (!outcome) throw badResponse('ChargeBoundCard without an outcome');
      return {
        outcome,
        declineCode: res.declineCode,
        declineKind: declineKindFromProto(res.declineKind, res.declineCode),
        providerPaymentId: res.providerPaymentId,
        providerOperationId: res.providerOperationId,
        reasonCode: res.reasonCode,
        replayed: res.replayed,
        amount: res.amount ? money(res.amount.amountMinor, res.amount.currency) : null,
      };
    },

    async refundPayment(input) {
      const res = await client.refundPayment(
        RefundPaymentRequest.fromPartial({
          idempotencyKey: input.idempotencyKey,
          paymentId: input.paymentId,
          amount: { amountMinor: input.amount.amountMinor, currency: input.amount.currency },
        }),
      );
      const outcome = REFUND_OUTCOMES[res.outcome];
      if (!outcome) throw badResponse('RefundPayment without an outcome');
      return { outcome, providerRefundId: res.providerRefundId, reasonCode: res.reasonCode };
    },

    close: () => client.close(),
  };
}

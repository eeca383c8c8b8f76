import {
  type HttpReply as PbHttpReply,
  type HttpRequest as PbHttpRequest,
  PaymentMethod as PbMethod,
  paymentMethodFromName,
  paymentMethodName,
  Provider as PbProvider,
  ProviderAction as PbProviderAction,
  providerFromName,
  providerName,
} from '@tolem/contracts/common';

import type { PaymentMethod, ProviderName } from '../domain/payment';
import type { HttpReply, ProviderAction, RawHttpRequest } from '../domain/provider';

/** Null for UNSPECIFIED or a value this build does not know. */
export function methodFromProto(value: PbMethod): PaymentMethod | null {
  // Typed with the catalog's names: compilation fails if the proto names one it lacks.
  const name: PaymentMethod | undefined = paymentMethodName(value);
  return name ?? null;
}

export function methodToProto(value: PaymentMethod | null): PbMethod {
  return (value && paymentMethodFromName(value)) ?? PbMethod.PAYMENT_METHOD_UNSPECIFIED;
}

export function providerFromProto(value: PbProvider): ProviderName | null {
  const name: ProviderName | undefined = providerName(value);
  return name ?? null;
}

export function providerToProto(value: ProviderName | null): PbProvider {
  return (value && providerFromName(value)) ?? PbProvider.PROVIDER_UNSPECIFIED;
}

/** Null when the adapters sent no action (the caller treats that as a provider fault). */
export function actionFromProto(action: PbProviderAction | undefined): ProviderAction | null {
  const a = action?.action;
  switch (a?.$case) {
    case 'formPost':
      return {
        kind: 'form_post',
        url: a.value.url,
        fields: a.value.fields.map((f) => ({ name: f.name, value: f.value })),
        acceptCharset: a.value.acceptCharset,
      };
    case 'redirectUrl':
      return { kind: 'redirect', url: a.value };
    case 'instructions':
      return { kind: 'instructions', title: a.value.title, values: { ...a.value.values } };
    case undefined:
      return null;
  }
}

export function actionToProto(action: ProviderAction): PbProviderAction {
  switch (action.kind) {
    case 'form_post':
      return PbProviderAction.fromPartial({
        action: {
          $case: 'formPost',
          value: { url: action.url, fields: action.fields, acceptCharset: action.acceptCharset },
        },
      });
    case 'redirect':
      return PbProviderAction.fromPartial({ action: { $case: 'redirectUrl', value: action.url } });
    case 'instructions':
      return PbProviderAction.fromPartial({
        action: { $case: 'instructions', value: { title: action.title, values: action.values } },
      });
  }
}

export function httpRequestFromProto(req: PbHttpRequest): RawHttpRequest {
  return {
    method: req.method,
    path: req.path,
    headers: { ...req.headers },
    body: req.body,
    remoteAddress: req.remoteAddress,
    query: req.query,
  };
}

export function httpRequestToProto(req: RawHttpRequest): PbHttpRequest {
  return {
    method: req.method,
    path: req.path,
    headers: req.headers,
    body: Buffer.from(req.body),
    remoteAddress: req.remoteAddress,
    query: req.query,
  };
}

export function httpReplyFromProto(reply: PbHttpReply): HttpReply {
  return { statusCode: reply.statusCode, contentType: reply.contentType, body: reply.body };
}

export function httpReplyToProto(reply: HttpReply): PbHttpReply {
  return {
    statusCode: reply.statusCode,
    contentType: reply.contentType,
    body: Buffer.from(reply.body),
  };
}

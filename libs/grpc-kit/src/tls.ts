import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

import {
  type ChannelCredentials,
  credentials,
  experimental,
  type ServerCredentials,
  ServerCredentials as ServerCredentialsFactory,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status as grpcStatus,
} from '@grpc/grpc-js';
import type { Logger } from '@tolem/observability';

import { callerNotAllowed, isCallerAllowed, serverOfPath } from './authz';
import { toWireError } from './status';

/**
 * How this process's gRPC servers and clients talk:
 *
 * - `mtls`: every connection is TLS 1.2+ with certificates of the platform's CA on both ends; a
 *   server refuses a client without one at the handshake, then asks the service graph (authz.ts)
 *   whether the identity in the certificate may call the method. The files are re-read every
 *   `refreshIntervalMs` (grpc-js's FileWatcherCertificateProvider): a certificate cert-manager
 *   renewed in the mounted Secret is used for new connections without a restart.
 * - `insecure`: plaintext, no identities, no caller checks. Only by explicit choice
 *   (GRPC_INSECURE=true, for single-app tests); the apps refuse to start with neither.
 */
export type GrpcTransport =
  | { kind: 'insecure'; healthPort?: number }
  | {
      kind: 'mtls';
      /** This process's identity (the app's name, or `operator`): what its certificate names. */
      identity: string;
      caFile: string;
      certFile: string;
      keyFile: string;
      refreshIntervalMs?: number;
      /** A plaintext port serving only grpc.health.v1, for Kubernetes' probes (they cannot TLS). */
      healthPort?: number;
    };

/** The SAN URI naming an identity in its certificate: `spiffe://tolem/<identity>`. */
export const IDENTITY_URI_PREFIX = 'spiffe://tolem/';

/** What an app's config.ts reads: GRPC_TLS_DIR, GRPC_INSECURE and GRPC_HEALTH_PORT. */
export interface GrpcTlsSettings {
  /** A directory with ca.crt, tls.crt and tls.key: the layout of a cert-manager Secret. */
  tlsDir?: string;
  insecure: boolean;
  healthPort?: number;
}

/**
 * The transport of an app from its configuration. Plaintext only when asked for: with neither
 * GRPC_TLS_DIR nor GRPC_INSECURE=true the app stops at start-up, so a pod whose Secret mount was
 * forgotten never serves the ledger in the clear.
 */
export function grpcTransportOf(identity: string, settings: GrpcTlsSettings): GrpcTransport {
  if (settings.tlsDir && settings.insecure) {
    throw new Error('GRPC_TLS_DIR and GRPC_INSECURE=true are both set: choose one');
  }
  if (settings.tlsDir) {
    const files = {
      caFile: join(settings.tlsDir, 'ca.crt'),
      certFile: join(settings.tlsDir, 'tls.crt'),
      keyFile: join(settings.tlsDir, 'tls.key'),
    };
    // Fail at start-up, naming the file, rather than at every handshake later.
    for (const file of Object.values(files)) {
      try {
        accessSync(file, constants.R_OK);
      } catch {
        throw new Error(`GRPC_TLS_DIR: ${file} is missing or not readable`);
      }
    }
    return { kind: 'mtls', identity, ...files, healthPort: settings.healthPort };
  }
  if (settings.insecure) return { kind: 'insecure', healthPort: settings.healthPort };
  throw new Error(
    'gRPC transport not configured: set GRPC_TLS_DIR (ca.crt, tls.crt, tls.key) or, for local ' +
      'tests only, GRPC_INSECURE=true',
  );
}

let processTransport: GrpcTransport = { kind: 'insecure' };

/**
 * Sets the transport of every server and client this process creates from now on. An app's
 * main.ts calls it first (deploy's tests check that every gRPC app does); code that never calls
 * it (a unit test's in-process peers) stays plaintext.
 */
export function useGrpcTransport(transport: GrpcTransport): void {
  processTransport = transport;
}

export function currentGrpcTransport(): GrpcTransport {
  return processTransport;
}

/** Default refresh: cert-manager renews well ahead (renewBefore), so a minute is plenty. */
const REFRESH_MS = 60_000;

type MtlsTransport = Extract<GrpcTransport, { kind: 'mtls' }>;

const providers = new Map<string, experimental.FileWatcherCertificateProvider>();

/** One watcher per set of files, shared by every channel and server (one timer, one read). */
function providerOf(t: MtlsTransport): experimental.FileWatcherCertificateProvider {
  const key = [t.caFile, t.certFile, t.keyFile, t.refreshIntervalMs ?? REFRESH_MS].join('\n');
  let provider = providers.get(key);
  if (!provider) {
    provider = new experimental.FileWatcherCertificateProvider({
      caCertificateFile: t.caFile,
      certificateFile: t.certFile,
      privateKeyFile: t.keyFile,
      refreshIntervalMs: t.refreshIntervalMs ?? REFRESH_MS,
    });
    providers.set(key, provider);
  }
  return provider;
}

/** The identities a certificate names in its `spiffe://tolem/<identity>` SAN URIs. */
export function identitiesOf(cert: PeerCertificate | undefined): string[] {
  const san = cert?.subjectaltname ?? '';
  return san
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith(`URI:${IDENTITY_URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${IDENTITY_URI_PREFIX}`.length));
}

/** The caller's identity per HTTP/2 session (one TLS connection: its peer does not change). */
const identityBySession = new WeakMap<object, string | undefined>();

/**
 * The identity in the caller's verified certificate. getPeerCertificate() decodes the whole
 * certificate (and hashes it three times) on every call, most of mTLS's per-call CPU, so it is
 * read once per connection: grpc-js keeps the call's HTTP/2 stream (and so its session) on the
 * base call it hands the first interceptor; without it, every call reads the certificate.
 */
function callerOf(call: ServerInterceptingCallInterface): string | undefined {
  const session = (call as { stream?: { session?: object } }).stream?.session;
  if (session && identityBySession.has(session)) return identityBySession.get(session);
  const caller = identitiesOf(call.getAuthContext().sslPeerCertificate)[0];
  if (session) identityBySession.set(session, caller);
  return caller;
}

/**
 * Refuses, before any handler (or request decoding) runs, a call whose caller may not make it.
 * Runs only on the mTLS port: there, the handshake already required a certificate of our CA.
 */
function authorizer(self: string, log: Logger): ServerInterceptor {
  return (method, call: ServerInterceptingCallInterface) => {
    const path = method.path;
    const caller = callerOf(call);
    if (isCallerAllowed(self, caller, path)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata() {
            const wire = toWireError(callerNotAllowed(caller, path));
            log.warn(
              { method: path, caller: caller ?? null, peer: call.getPeer() },
              'grpc caller refused',
            );
            call.sendStatus({
              code: grpcStatus.PERMISSION_DENIED,
              details: wire.details,
              metadata: wire.metadata,
            });
          },
        });
      },
    });
  };
}

export function serverCredentialsOf(transport: GrpcTransport, log: Logger): ServerCredentials {
  if (transport.kind === 'insecure') return ServerCredentialsFactory.createInsecure();
  const provider = providerOf(transport);
  return experimental.createServerCredentialsWithInterceptors(
    experimental.createCertificateProviderServerCredentials(provider, provider, true),
    [authorizer(transport.identity, log)],
  );
}

export interface ChannelSetup {
  credentials: ChannelCredentials;
  /** Channel options the credentials need (the name the server's certificate must carry). */
  options: Record<string, string>;
}

/**
 * Client credentials: the server must present a certificate of our CA naming the app that serves
 * the called service (a ledger client accepts only the ledger, whatever address it dialled), and
 * this process presents its own.
 */
export function channelSetupOf(transport: GrpcTransport, servicePath: string): ChannelSetup {
  if (transport.kind === 'insecure')
    return { credentials: credentials.createInsecure(), options: {} };
  const provider = providerOf(transport);
  const expected = serverOfPath(servicePath);
  return {
    credentials: experimental.createCertificateProviderChannelCredentials(provider, provider, {
      checkServerIdentity: (host, cert) => {
        if (expected === undefined) return checkServerIdentity(host, cert);
        return identitiesOf(cert).includes(expected)
          ? undefined
          : new Error(`the server's certificate does not name ${IDENTITY_URI_PREFIX}${expected}`);
      },
    }),
    // The SNI and the name checked: the service's app, not the dialled address (an IP locally).
    options: expected === undefined ? {} : { 'grpc.ssl_target_name_override': expected },
  };
}

import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { channelSetupOf, currentGrpcTransport, type GrpcTransport } from '@tolem/grpc-kit';
import { service as healthService } from 'grpc-health-check';

export interface HealthProbe {
  /** True when the peer reports SERVING for the service within the timeout. */
  check(): Promise<boolean>;
  close(): void;
}

interface HealthClient {
  check(
    request: { service: string },
    options: { deadline: Date },
    callback: (err: Error | null, res?: { status?: string | number }) => void,
  ): void;
  close(): void;
}

/**
 * A grpc.health.v1 client kept open for /readyz (one channel, not one per probe). It dials the
 * peer's service port the way every other call does (mutual TLS in a cluster, the server's
 * certificate checked to name the app serving `service`): a plaintext probe of an mTLS port never
 * answers, and the gateway would never be ready.
 */
export function createHealthProbe(
  address: string,
  service: string,
  options: { timeoutMs?: number; transport?: GrpcTransport } = {},
): HealthProbe {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const Client = makeGenericClientConstructor(healthService as never, 'grpc.health.v1.Health');
  const channel = channelSetupOf(options.transport ?? currentGrpcTransport(), `/${service}/`);
  const client = new Client(
    address,
    channel.credentials,
    channel.options,
  ) as unknown as HealthClient;
  return {
    check: () =>
      new Promise((resolve) => {
        client.check({ service }, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
          resolve(!err && (res?.status === 'SERVING' || res?.status === 1));
        });
      }),
    close: () => client.close(),
  };
}

import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
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

/** A grpc.health.v1 client kept open for /readyz (one channel, not one per probe). */
export function createHealthProbe(
  address: string,
  service: string,
  timeoutMs = 1_000,
): HealthProbe {
  const Client = makeGenericClientConstructor(healthService as never, 'grpc.health.v1.Health');
  const client = new Client(address, credentials.createInsecure()) as unknown as HealthClient;
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

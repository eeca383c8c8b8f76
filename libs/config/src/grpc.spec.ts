import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  ConfigError,
  grpcClientEnv,
  grpcClientTls,
  grpcServerConfig,
  grpcServerEnv,
  parseEnv,
} from './index';

describe('grpcServerEnv / grpcServerConfig', () => {
  const schema = z.object({ ...grpcServerEnv(50057) });
  const load = (env: Record<string, string | undefined>) => grpcServerConfig(parseEnv(schema, env));

  it("defaults to the service's own port on 127.0.0.1, with no TLS, no plaintext and no health port", () => {
    expect(load({})).toEqual({
      grpcPort: 50057,
      grpcHost: '127.0.0.1',
      grpcTls: { tlsDir: undefined, insecure: false, healthPort: undefined },
    });
  });

  it('maps every variable that is set', () => {
    expect(
      load({
        GRPC_PORT: '6000',
        GRPC_HOST: '0.0.0.0',
        GRPC_TLS_DIR: '/var/run/tolem/grpc-tls',
        GRPC_HEALTH_PORT: '8086',
      }),
    ).toEqual({
      grpcPort: 6000,
      grpcHost: '0.0.0.0',
      grpcTls: { tlsDir: '/var/run/tolem/grpc-tls', insecure: false, healthPort: 8086 },
    });
  });

  it.each(['true', '1'])('reads GRPC_INSECURE=%s as plaintext', (value) => {
    expect(load({ GRPC_INSECURE: value }).grpcTls.insecure).toBe(true);
  });

  it.each(['false', '0'])('reads GRPC_INSECURE=%s as TLS', (value) => {
    expect(load({ GRPC_INSECURE: value }).grpcTls.insecure).toBe(false);
  });

  it('accepts port 0 (any free port) but not 0 as the health port', () => {
    expect(load({ GRPC_PORT: '0' }).grpcPort).toBe(0);
    expect(() => load({ GRPC_HEALTH_PORT: '0' })).toThrow(/GRPC_HEALTH_PORT/);
  });

  it.each([
    ['GRPC_PORT', '65536'],
    ['GRPC_PORT', '-1'],
    ['GRPC_PORT', '50051.5'],
    ['GRPC_PORT', 'grpc'],
    ['GRPC_HEALTH_PORT', '65536'],
    ['GRPC_HEALTH_PORT', 'health'],
    ['GRPC_INSECURE', 'yes'],
    ['GRPC_TLS_DIR', ''],
  ])('refuses %s=%j, naming it', (name, value) => {
    let err: unknown;
    try {
      load({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${name}:`))]);
  });

  it("keeps each service's default port apart", () => {
    const other = z.object({ ...grpcServerEnv(50051) });
    expect(grpcServerConfig(parseEnv(other, {})).grpcPort).toBe(50051);
  });
});

describe('grpcClientEnv / grpcClientTls', () => {
  const schema = z.object({ ...grpcClientEnv() });
  const load = (env: Record<string, string | undefined>) => grpcClientTls(parseEnv(schema, env));

  it('defaults to TLS with no certificate directory (grpcTransportOf then refuses to start)', () => {
    expect(load({})).toEqual({ tlsDir: undefined, insecure: false });
  });

  it('maps the certificate directory and plaintext', () => {
    expect(load({ GRPC_TLS_DIR: '/etc/tolem/operator' })).toEqual({
      tlsDir: '/etc/tolem/operator',
      insecure: false,
    });
    expect(load({ GRPC_INSECURE: 'true' })).toEqual({ tlsDir: undefined, insecure: true });
  });

  it('refuses an empty certificate directory and a GRPC_INSECURE that is not a boolean', () => {
    expect(() => load({ GRPC_TLS_DIR: '' })).toThrow(/GRPC_TLS_DIR/);
    expect(() => load({ GRPC_INSECURE: 'on' })).toThrow(/GRPC_INSECURE/);
  });

  it('reads no server variables', () => {
    expect(Object.keys(schema.shape).sort()).toEqual(['GRPC_INSECURE', 'GRPC_TLS_DIR']);
  });
});

import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ConfigError, envs, parseEnv, Secret } from './index';

describe('parseEnv', () => {
  const schema = z.object({ PORT: envs.port(), API_SECRET: envs.secret(), DEBUG: envs.bool(false) });

  it('parses typed values and freezes the result', () => {
    const cfg = parseEnv(schema, { PORT: '8080', API_SECRET: 's3cr3t' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.DEBUG).toBe(false);
    expect(cfg.API_SECRET.reveal()).toBe('s3cr3t');
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable and never echoes values', () => {
    let err: unknown;
    try {
      parseEnv(schema, { PORT: 'abc', API_SECRET: '' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('API_SECRET');
  });
});

describe('Secret', () => {
  it('redacts in JSON, inspect and string coercion', () => {
    const s = new Secret('hunter2');
    expect(JSON.stringify({ s })).toBe('{"s":"[REDACTED]"}');
    expect(inspect({ s })).not.toContain('hunter2');
    expect(`${s}`).toBe('[REDACTED]');
  });
});

import { inspect } from 'node:util';

/**
 * A value that never prints: JSON, util.inspect and string coercion all show "[REDACTED]".
 * Read it explicitly with reveal() at the one place that needs it (a signature, a DB URL).
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return '[REDACTED]';
  }

  toString(): string {
    return '[REDACTED]';
  }

  [inspect.custom](): string {
    return 'Secret([REDACTED])';
  }
}

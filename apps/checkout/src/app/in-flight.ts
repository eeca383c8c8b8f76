/**
 * Calls in flight by key (a payment id), each forgotten once it settles: a caller can join or
 * follow the one running for its key instead of repeating it, and a later call starts afresh.
 */
export function inFlightByKey<T>() {
  const running = new Map<string, Promise<T>>();
  return {
    get: (key: string): Promise<T> | undefined => running.get(key),
    track(key: string, run: Promise<T>): Promise<T> {
      running.set(key, run);
      const forget = () => {
        if (running.get(key) === run) running.delete(key);
      };
      run.then(forget, forget);
      return run;
    },
  };
}

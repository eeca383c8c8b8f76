import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One request the fake merchant (Tolem) received. */
export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Answer = { status: number; body: string; contentType?: string };

/**
 * A merchant's callback endpoint for the tests: records every request and answers from a script,
 * else with `fallback`. The test's own checks of signatures run on what it recorded.
 */
export function startRecordingMerchant(port: number, fallback: (r: Received) => Answer) {
  const received: Received[] = [];
  let script: ((r: Received, all: Received[]) => Answer | undefined) | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(r);
      const answer = script?.(r, received) ?? fallback(r);
      res
        .writeHead(answer.status, {
          'content-type': answer.contentType ?? 'text/plain; charset=utf-8',
        })
        .end(answer.body);
    });
  });
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    /** Answers from this script (undefined falls back) until cleared. */
    script(next: ((r: Received, all: Received[]) => Answer | undefined) | undefined) {
      script = next;
    },
    listen: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type RecordingMerchant = ReturnType<typeof startRecordingMerchant>;

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

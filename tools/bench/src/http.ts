import { Pool } from 'undici';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A keep-alive HTTP/1.1 client for the benchmarks: at most `maxSockets` connections, each reused
 * for one request at a time (no pipelining), so the figures measure the server rather than TCP
 * handshakes. undici rather than node:http: the load generator shares the cores with the platform,
 * and undici spends about half node:http's CPU per request (28–44 against 50–70 µs measured here
 * at 16 concurrent requests), which node:http would take from the servers being measured.
 */
export function createHttpClient(baseUrl: string, maxSockets: number) {
  const pool = new Pool(new URL(baseUrl).origin, {
    connections: maxSockets,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });

  async function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<HttpAnswer> {
    const res = await pool.request({
      method: method as 'GET',
      path,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  return {
    send,
    postJson: (path: string, headers: Record<string, string>, json: unknown) =>
      send('POST', path, { ...headers, 'content-type': 'application/json' }, JSON.stringify(json)),
    close: (): void => {
      void pool.destroy();
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

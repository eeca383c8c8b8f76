import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createMerchantHttp, MAX_BODY_BYTES } from './merchant.client';

describe('merchant HTTP client (real HTTP server on loopback)', () => {
  let server: Server;
  let port: number;
  const received: string[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.end('ok');

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (url: string, allow: 'none' | 'loopback', timeoutMs = 2_000) => {
    const http = createMerchantHttp({ allowPrivateNetworks: allow });
    return http
      .post({ url, headers: { 'content-type': 'text/plain' }, body: 'hi', timeoutMs })
      .finally(() => http.close());
  };

  it('refuses a name resolving to loopback when loopback is not allowed; nothing reaches it', async () => {
    const before = received.length;
    const outcome = await post(`http://localhost:${port}/hook`, 'none');
    expect(outcome).toMatchObject({ kind: 'error' });
    expect(outcome.kind === 'error' && outcome.error).toMatch(
      /^refused: (127\.0\.0\.1|::1) is a loopback address \(resolved from localhost\)$/,
    );
    expect(received).toHaveLength(before);
  });

  it.each([
    ['http://10.1.2.3/hook', 'refused: 10.1.2.3 is a private address'],
    ['http://169.254.169.254/latest/meta-data', 'refused: 169.254.169.254 is a metadata address'],
    ['http://[::ffff:127.0.0.1]:1/hook', /^refused: \[::ffff:7f00:1\] is a loopback address$/],
    ['http://[fd00:ec2::254]/', 'refused: [fd00:ec2::254] is a metadata address'],
    ['http://0x7f.1:1/hook', 'refused: 127.0.0.1 is a loopback address'],
    ['http://[::ffff:0:7f00:1]:1/hook', /^refused: \[::ffff:0:7f00:1\] is a loopback address$/],
    ['http://[::7f00:1]:1/hook', /^refused: \[::7f00:1\] is a special address$/],
  ])('refuses the literal address in %s before connecting', async (url, error) => {
    const outcome = await post(url, 'none');
    expect(outcome.kind).toBe('error');
    expect(outcome.kind === 'error' && outcome.error).toMatch(error);
  });

  it('reaches loopback by name and by literal when configured to', async () => {
    answer = (res) => res.end(' ok\n');
    for (const host of ['localhost', '127.0.0.1']) {
      const outcome = await post(`http://${host}:${port}/hook`, 'loopback');
      expect(outcome).toMatchObject({ kind: 'response', statusCode: 200, body: ' ok\n' });
    }
    expect(received.at(-1)).toBe('POST /hook');
  });

  it('still refuses private and metadata addresses when only loopback is allowed', async () => {
    const outcome = await post('http://169.254.169.254/', 'loopback');
    expect(outcome).toMatchObject({
      kind: 'error',
      error: 'refused: 169.254.169.254 is a metadata address',
    });
  });

  it('times out an answer that never comes', async () => {
    answer = () => undefined;
    const outcome = await post(`http://127.0.0.1:${port}/`, 'loopback', 300);
    expect(outcome).toMatchObject({ kind: 'error', error: 'timeout' });
    expect(outcome.durationMs).toBeLessThan(1_500);
  });

  it('reads at most MAX_BODY_BYTES of an answer and hands over Retry-After', async () => {
    answer = (res) => {
      res.writeHead(503, { 'retry-after': '120' });
      res.end('x'.repeat(MAX_BODY_BYTES * 4));
    };
    const outcome = await post(`http://127.0.0.1:${port}/`, 'loopback');
    expect(outcome).toMatchObject({
      kind: 'response',
      statusCode: 503,
      headers: { retryAfter: '120' },
    });
    expect(outcome.kind === 'response' && outcome.body.length).toBe(MAX_BODY_BYTES);
  });

  it('records a refused connection as an error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await post(`http://127.0.0.1:${deadPort}/`, 'loopback');
    expect(outcome).toMatchObject({ kind: 'error' });
    expect(outcome.kind === 'error' && outcome.error).toMatch(/^ECONNREFUSED/);
  });
});

import { connect, createServer, type Socket } from 'node:net';

/** A TCP forwarder between a client under test and a real server (PostgreSQL, Kafka). */
export interface TcpForwarder {
  port: number;
  /** Both ends of every connection open right now. */
  sockets: Set<Socket>;
  /**
   * Bytes stop in both directions on the connections open now, and neither side hears anything
   * (a NAT or load balancer that forgot the flow); connections made later flow normally. A frozen
   * pair still closes its other end when one end closes, as a server's TCP keepalive would
   * eventually notice over a really dead path.
   */
  freeze(): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:`port` (0: any free port) to `target` (`host:port`). */
export function startTcpForwarder(target: string, port = 0): Promise<TcpForwarder> {
  const at = target.lastIndexOf(':');
  const host = target.slice(0, at);
  const targetPort = Number(target.slice(at + 1));
  const sockets = new Set<Socket>();
  const pairs: [Socket, Socket][] = [];
  const server = createServer((client) => {
    const upstream = connect(targetPort, host);
    for (const [s, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(s);
      s.on('close', () => {
        sockets.delete(s);
        other.destroy();
      });
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    pairs.push([client, upstream]);
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        sockets,
        freeze() {
          for (const pair of pairs.splice(0)) {
            for (const s of pair) {
              s.unpipe();
              // Read and drop: nothing gets through, but a close is still seen and passed on.
              s.on('data', () => undefined).resume();
            }
          }
        },
        async close() {
          for (const s of sockets) s.destroy();
          await new Promise((done) => server.close(done));
        },
      }),
    ),
  );
}

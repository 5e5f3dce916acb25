/**
 * A TCP proxy the soak benchmark puts between radgate and PostgreSQL, so it can cut the database away and give it
 * back: `cut()` resets every proxied connection and closes the listener (new connections are refused, as from a
 * database host that went down) until `restore()` listens on the same port again. bench/ is compiled into the
 * shipped dist/ and cannot import test/helpers, so this is a small copy of the tests' proxy (reset-only).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Whether the path is open. */
  readonly open: boolean;
  /** Connections proxied since the start (radgate reconnecting after a cut shows here). */
  readonly connections: number;
  cut(): void;
  restore(): Promise<void>;
  close(): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let connections = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        connections++;
        const upstream = net.connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get open() {
      return server !== undefined;
    },
    get connections() {
      return connections;
    },
    cut() {
      server?.close();
      server = undefined;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async restore() {
      if (!server) await listen();
    },
    close() {
      server?.close();
      server = undefined;
      for (const socket of sockets) socket.destroy();
    },
  };
}

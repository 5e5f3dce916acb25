/**
 * A TCP proxy the test controls, between radgate (or a bare postgres.js) and the CI PostgreSQL: `cut()` closes
 * every proxied connection and stops accepting new ones (connections are refused) until `restore()`. A cut either
 * closes both sides cleanly (`fin`: what a pooler or a proxy that restarts does) or resets them (`rst`).
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Whether the path is open. */
  readonly open: boolean;
  cut(how?: 'fin' | 'rst'): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Seen before each client → server chunk is forwarded: a cut kind cuts instead of forwarding it. */
  cutOn?: (chunk: Buffer) => 'fin' | 'rst' | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let listenPort = port;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
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
        const { cutOn } = options;
        if (cutOn) {
          client.on('data', (chunk: Buffer) => {
            const how = cutOn(chunk);
            if (how) cut(how);
            else upstream.write(chunk);
          });
        } else {
          client.pipe(upstream);
        }
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(listenPort, '127.0.0.1', () => {
        listenPort = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  // The listening socket closes at once (new connections are refused); open ones are ended or reset by the caller.
  const stop = () => {
    server?.close();
    server = undefined;
  };

  const cut = (how: 'fin' | 'rst') => {
    stop();
    for (const socket of sockets) how === 'rst' ? socket.resetAndDestroy() : socket.end();
  };

  await listen();
  return {
    get port() {
      return listenPort;
    },
    get open() {
      return server !== undefined;
    },
    async cut(how = 'fin') {
      cut(how);
    },
    async restore() {
      if (!server) await listen();
    },
    async close() {
      stop();
      for (const socket of sockets) socket.destroy();
    },
  };
}

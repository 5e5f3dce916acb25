/**
 * Shares the server's embedded database with CLI tools over a Unix socket (PostgreSQL wire protocol).
 *
 * PGlite is one backend. A tool's extended-protocol exchange (Parse, Bind, Execute … Sync) and any transaction it
 * opens must therefore run with nothing of the server's in between: each unit runs holding PGlite's transaction and
 * query locks (the same order PGlite's own transactions take them), and a tool's open transaction keeps them until
 * it ends — or until it has been idle for `idleTransactionMs`, when it is rolled back and the tool disconnected.
 * (pglite-socket, which this replaces, locks each message separately, so the server's queries could slip between
 * a tool's Parse and Bind, or into its transaction.) `execProtocolRaw` also hands the NOTIFYs a tool raises to the
 * server's in-process listeners.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/** PGlite's lock methods: public in JavaScript, not in its type declarations. */
interface PgliteLocks {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
}

export interface PgliteShareOptions {
  path: string;
  idleTransactionMs?: number;
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

export class PgliteShare {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly pg: PGlite,
    private readonly options: PgliteShareOptions,
  ) {}

  async start(): Promise<void> {
    if (existsSync(this.options.path)) unlinkSync(this.options.path); // a crashed server's; the caller holds the lock
    this.server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.path, () => resolve());
    });
    // Only radgate's user may connect (the data directory is 0700 as well: data-dir.ts).
    chmodSync(this.options.path, 0o600);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let pending: Buffer[] = [];
    /** `open`: the unit ended with Flush, so the exchange goes on (e.g. Describe before Bind) until a Sync. */
    const units: Array<{ bytes: Buffer; open: boolean }> = [];
    let wake: (() => void) | undefined;
    let busy = false;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
      wake?.();
    });
    socket.on('error', () => socket.destroy());

    const nextUnit = async (timeoutMs: number): Promise<{ bytes: Buffer; open: boolean } | undefined> => {
      const deadline = Date.now() + timeoutMs;
      while (units.length === 0 && !closed && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(1, deadline - Date.now())).unref();
        });
        wake = undefined;
      }
      return units.shift();
    };

    const run = async () => {
      if (busy) return;
      busy = true;
      try {
        while (units.length > 0 && !closed) {
          const locks = this.pg as unknown as PgliteLocks;
          await locks._runExclusiveTransaction(() =>
            locks._runExclusiveQuery(async () => {
              let unit = units.shift();
              while (unit) {
                const out = Buffer.from(await this.pg.execProtocolRaw(unit.bytes));
                if (!closed) socket.write(out);
                if (!unit.open && !this.pg.isInTransaction()) return;
                // The tool's exchange or transaction is open: nothing else may run until it ends.
                unit = await nextUnit(this.options.idleTransactionMs ?? 10_000);
              }
              if (this.pg.isInTransaction()) {
                await this.pg.execProtocolRaw(simpleQuery('ROLLBACK'));
                socket.destroy();
              }
            }),
          );
        }
      } catch {
        socket.destroy();
      } finally {
        busy = false;
      }
      if (units.length > 0 && !closed) void run(); // arrived while the loop was finishing
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) socket.write('N');
          else if (code === CANCEL_REQUEST) socket.destroy();
          else if (code === PROTOCOL_3) {
            started = true;
            units.push({ bytes: Buffer.from(message), open: false });
          }
          continue;
        }
        if (buffer.length < 5) break;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) break;
        const type = String.fromCharCode(buffer[0]!);
        pending.push(Buffer.from(buffer.subarray(0, length)));
        buffer = buffer.subarray(length);
        if (type === 'X') {
          socket.end();
          return;
        }
        // A unit ends where the backend answers: ReadyForQuery after Sync or a simple Query; a Flush asks for the
        // replies so far and keeps the exchange open; a password message answers authentication.
        if (type === 'S' || type === 'Q' || type === 'p' || type === 'H') {
          units.push({ bytes: Buffer.concat(pending), open: type === 'H' });
          pending = [];
        }
      }
      wake?.();
      void run();
    });
  }
}

function simpleQuery(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/**
 * The embedded database shared with CLI tools: a tool's extended-protocol exchanges and transactions run whole,
 * with none of the server's in-process queries in between, while both are busy at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteShare } from '../../src/db/pglite-share.js';

let dir: string;
let pg: PGlite;
let share: PgliteShare;
let tool: postgres.Sql;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-share-'));
  pg = await PGlite.create(path.join(dir, 'db'));
  await pg.exec('create table counter (id int primary key, n int not null); insert into counter values (1, 0);');
  share = new PgliteShare(pg, { path: path.join(dir, '.s.PGSQL.5432'), idleTransactionMs: 2000 });
  await share.start();
  tool = postgres({ path: path.join(dir, '.s.PGSQL.5432'), max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await tool?.end({ timeout: 1 });
  await share?.stop();
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PgliteShare', () => {
  it('parameterised tool queries stay correct while the server queries in-process at the same time', async () => {
    let stop = false;
    let serverQueries = 0;
    const server = (async () => {
      while (!stop) {
        const r = await pg.query<{ d: string }>('select $1::date::text as d', ['2024-02-29']);
        expect(r.rows[0]!.d).toBe('2024-02-29');
        serverQueries++;
        await new Promise((r) => setImmediate(r)); // like the server: queries driven by I/O, not a microtask loop
      }
    })();
    for (let i = 0; i < 200; i++) {
      const [row] = await tool`select ${i}::int as i, ${`text-${i}`}::text as t, ${new Date(Date.UTC(2025, 0, 1 + (i % 28)))}::timestamptz as at`;
      expect(row).toEqual({ i, t: `text-${i}`, at: new Date(Date.UTC(2025, 0, 1 + (i % 28))) });
    }
    stop = true;
    await server;
    expect(serverQueries).toBeGreaterThan(0);
  });

  it("a tool's transaction is not joined by the server's statements", async () => {
    const inside = tool.begin(async (tx) => {
      await tx`update counter set n = n + 1 where id = 1`;
      await new Promise((r) => setTimeout(r, 300));
      await tx`update counter set n = n + 1 where id = 1`;
      throw new Error('roll back');
    });
    await new Promise((r) => setTimeout(r, 50));
    // In-process write during the tool's open transaction: it must wait, and must not be rolled back with it.
    await pg.query('update counter set n = n + 100 where id = 1');
    await expect(inside).rejects.toThrow('roll back');
    const [row] = await tool`select n from counter where id = 1`;
    expect(row!.n).toBe(100);
  });

  it('a tool that leaves a transaction open is rolled back and disconnected after the idle limit', async () => {
    const stuck = postgres({ path: path.join(dir, '.s.PGSQL.5432'), max: 1, onnotice: () => {} });
    const reserved = await stuck.reserve();
    await reserved`begin`;
    await reserved`update counter set n = -1 where id = 1`;
    const started = Date.now();
    const r = await pg.query<{ n: number }>('select n from counter where id = 1');
    expect(r.rows[0]!.n).toBe(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await stuck.end({ timeout: 1 }).catch(() => {});
  });
});

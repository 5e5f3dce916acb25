/**
 * The accounting writer when records are bad (docs/radius-protocol.md §16), against a real database (PGlite, or
 * PostgreSQL with DATABASE_URL): a batch the database refuses because of one record is split until every other record
 * has committed and is answered; the record at fault is rejected and counted; an outage is not split; the error
 * lines carry a code and a bounded message — never the batch's parameters — and are rate-limited.
 */
import { Writable } from 'node:stream';
import { DrizzleQueryError, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import type { SessionUpdate } from '../../src/sessions/store.js';
import { AccountingWriter, type AccountingRecord } from '../../src/sessions/writer.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { allSessions } from './helpers.js';

let testDb: TestDatabase;
let database: DatabaseHandle;

beforeAll(async () => {
  testDb = await freshDatabase();
  database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'server' });
  await database.migrate();
});

afterEach(async () => {
  await database.db.execute(sql`delete from sessions`);
});

afterAll(async () => {
  await database?.close();
  await testDb?.cleanup();
});

const T0 = Date.parse('2026-03-01T12:00:00Z');

function update(nas: number, acctSessionId: string, overrides: Partial<SessionUpdate> = {}): SessionUpdate {
  return {
    status: 'Start',
    workspaceId: 'default',
    nasName: `core-${nas}`,
    nasAddress: `10.0.0.${nas}`,
    nasIpAddress: `10.0.0.${nas}`,
    nasIdentifier: `core-${nas}`,
    acctSessionId,
    class: '',
    username: `subscriber-${acctSessionId}`,
    subscriberId: null,
    framedIpAddress: `100.64.${nas}.${acctSessionId.length}`,
    callingStationId: 'AA:BB:CC:00:00:01',
    calledStationId: 'pppoe-in',
    nasPortId: 'ether5',
    eventAt: new Date(T0),
    startedAt: new Date(T0),
    interimInterval: 300,
    sessionTime: 0,
    inputOctets: 0n,
    outputOctets: 0n,
    inputPackets: 0,
    outputPackets: 0,
    terminateCause: null,
    ...overrides,
  };
}

const session = (u: SessionUpdate): AccountingRecord => ({ kind: 'session', update: u });

/** A logger whose lines are kept, parsed, with the raw text. */
function capturingLog() {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString());
      done();
    },
  });
  const lines = () => raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log: createLogger({ level: 'info', destination }), lines, raw: () => raw.join('') };
}

describe('a poisoned record in a batch', () => {
  it('good records from several NASes commit and are answered; a NUL and a non-UTF-8 record are rejected alone and counted', async () => {
    const metrics = new Metrics();
    const { log, lines, raw } = capturingLog();
    const writer = new AccountingWriter({ database, log, gatherMs: 20, onBatch: metrics.accountingBatch, onRejected: metrics.accountingRecordRejected });
    const good = [1, 2, 3].flatMap((nas) => Array.from({ length: 10 }, (_, i) => update(nas, `${nas}a${String(i).padStart(6, '0')}`)));
    // What reaches the writer when text is not normalised: a NUL (PostgreSQL: 22P05), and a string that has no
    // UTF-8 encoding at all (a lone surrogate, what a careless decoder makes of invalid bytes; 22P02 in JSON).
    const nul = update(2, 'b0000001', { callingStationId: 'AA:BB\u0000CC', username: 'nul-user-7731', framedIpAddress: '100.64.77.31' });
    const notUtf8 = update(3, 'b0000002', { nasPortId: 'ether\ud800', username: 'surrogate-user-4242' });
    const records = [...good.slice(0, 12), nul, ...good.slice(12, 25), notUtf8, ...good.slice(25)].map(session);

    const results = await Promise.all(records.map((r) => writer.submit(r)));
    await writer.stop();

    const isBad = (r: AccountingRecord) => r.kind === 'session' && r.update.acctSessionId.startsWith('b');
    expect(results.filter((ok, i) => ok !== !isBad(records[i]!))).toEqual([]);
    const stored = (await allSessions(database.db)).map((r) => r.acctSessionId).sort();
    expect(stored).toEqual(good.map((u) => u.acctSessionId).sort());
    expect(writer.stats).toMatchObject({ committed: 30, rejected: 2, failed: 0 });
    // A split costs a few transactions per bad record, not one per record.
    expect(writer.stats.transactions).toBeLessThan(20);

    const exposition = await metrics.registry.metrics();
    expect(exposition).toMatch(/^radgate_accounting_records_rejected_total\{sqlstate="22P05"\} 1$/m);
    expect(exposition).toMatch(/^radgate_accounting_records_rejected_total\{sqlstate="22P02"\} 1$/m);
    expect(exposition).toMatch(/^radgate_accounting_records_total\{result="committed"\} 30$/m);
    expect(exposition).not.toMatch(/^radgate_accounting_records_total\{result="failed"\}/m);

    // One line for the two rejections (rate-limited), naming the NAS and the SQLSTATE, no subscriber data.
    const rejected = lines().filter((l) => String(l.msg).startsWith('accounting record refused by the database'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ level: 50, nas: 'core-2', sqlstate: '22P05', error: { code: '22P05' } });
    for (const secret of ['nul-user-7731', '100.64.77.31', 'surrogate-user-4242', 'subscriber-', 'AA:BB', 'json_to_recordset']) {
      expect(raw()).not.toContain(secret);
    }
  });

  it('an outage is not split: one failed transaction, every record unanswered, no more statements', async () => {
    let statements = 0;
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const failing = {
      execute: async () => {
        statements++;
        throw new DrizzleQueryError('insert into sessions …', ['[{"username":"outage-user-99"}]'], cause);
      },
    };
    const down = { db: { ...failing, transaction: (fn: (tx: typeof failing) => Promise<unknown>) => fn(failing) } } as unknown as DatabaseHandle;
    const { log } = capturingLog();
    const writer = new AccountingWriter({ database: down, log, gatherMs: 20 });
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => writer.submit(session(update(1, `c${i}`)))));
    await writer.stop();
    expect(results.every((ok) => !ok)).toBe(true);
    expect(statements).toBe(1);
    expect(writer.stats).toMatchObject({ failed: 64, rejected: 0, committed: 0 });
  });
});

describe('the error log', () => {
  it('a failed batch is logged with its code and counts, never its parameters, once per minute with a suppressed count', async () => {
    let now = T0;
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const params = [JSON.stringify([{ username: 'param-user-5150', framed_ip_address: '100.64.51.50', acct_session_id: 'feedbeef' }])];
    const failing = {
      execute: async () => {
        throw new DrizzleQueryError('with input as (select * from json_to_recordset($1::json) …', params, cause);
      },
    };
    const down = { db: { ...failing, transaction: (fn: (tx: typeof failing) => Promise<unknown>) => fn(failing) } } as unknown as DatabaseHandle;
    const { log, lines, raw } = capturingLog();
    const writer = new AccountingWriter({ database: down, log, gatherMs: 0, now: () => now });

    for (let i = 0; i < 5; i++) expect(await writer.submit(session(update(1, `d${i}`)))).toBe(false);
    now += 61_000;
    expect(await writer.submit(session(update(1, 'd5')))).toBe(false);
    await writer.stop();

    for (const secret of ['param-user-5150', '100.64.51.50', 'feedbeef', 'json_to_recordset', 'params']) expect(raw()).not.toContain(secret);
    const failed = lines().filter((l) => String(l.msg).startsWith('accounting not recorded'));
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ level: 50, records: 1, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' } });
    expect(failed[0]!.suppressed).toBeUndefined();
    expect(failed[1]).toMatchObject({ suppressed: 4, msg: 'accounting not recorded; no reply sent (the NAS will retry) (4 more like it since the last line)' });
    // Each line is short: a code and a bounded message, not a batch.
    for (const line of raw().split('\n')) expect(line.length).toBeLessThan(1000);
  });
});

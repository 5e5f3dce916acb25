/** src/log-limit.ts: bounded error lines (code and message only) and one line per key per window. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { RateLimitedLog, summarizeError } from '../src/log-limit.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ destination, level: 'info' }) };
}

describe('summarizeError', () => {
  it('keeps the driver code and message of a wrapped query error, never its parameters', () => {
    const driver = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const wrapped = new Error('Failed query: insert into sessions values ($1) params: alice,10.0.0.7', { cause: driver });
    expect(summarizeError(wrapped)).toEqual({ code: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00' });
  });

  it('lets an outer error with a code speak for its cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const outer = Object.assign(new Error('cannot connect to the database'), { code: 'DB_UNREACHABLE', cause });
    expect(summarizeError(outer)).toEqual({ code: 'DB_UNREACHABLE', message: 'cannot connect to the database' });
  });

  it('bounds the message and replaces control characters', () => {
    const summary = summarizeError(new Error(`line one\nline two\u0000${'x'.repeat(1000)}`));
    expect(summary.message).toMatch(/^line one line two x+…$/);
    expect(summary.message.length).toBe(301);
    expect(summarizeError('plain string')).toEqual({ message: 'plain string' });
  });
});

describe('RateLimitedLog', () => {
  it('writes one line per key per window and counts what it suppressed', () => {
    const { lines, log } = capture();
    let now = 0;
    const errors = new RateLimitedLog(log, { windowMs: 60_000, now: () => now });
    const failure = Object.assign(new Error('connection closed'), { code: 'CONNECTION_CLOSED' });
    for (let i = 0; i < 1000; i++) errors.error('accounting.write', failure, 'accounting not recorded');
    errors.error('enforcement.claim', failure, 'claiming jobs failed');
    now = 60_000;
    errors.error('accounting.write', failure, 'accounting not recorded', { records: 3 });
    expect(lines.map((l) => [l.msg, l.suppressed, l.records])).toEqual([
      ['accounting not recorded', undefined, undefined],
      ['claiming jobs failed', undefined, undefined],
      ['accounting not recorded (999 more like it since the last line)', 999, 3],
    ]);
    expect(lines[0]!.error).toEqual({ code: 'CONNECTION_CLOSED', message: 'connection closed' });
  });

  it('forgets the oldest key beyond its bound', () => {
    const { lines, log } = capture();
    const errors = new RateLimitedLog(log, { maxKeys: 2, now: () => 0 });
    for (const key of ['a', 'b', 'c', 'a']) errors.warn(key, undefined, key);
    expect(lines.map((l) => l.msg)).toEqual(['a', 'b', 'c', 'a']);
  });
});

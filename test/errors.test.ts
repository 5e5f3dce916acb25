/**
 * The error catalogue (src/errors.ts) pinned: its codes with their HTTP status and exit code, its messages, that
 * src/ raises only catalogue codes and every catalogue code somewhere, and that docs/errors.md lists it exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/index.js';
import { ERRORS, RadgateError } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** code → [HTTP status, exit code]. Changing the catalogue means changing this table (and docs/errors.md). */
const EXPECTED: Record<string, [status: number, exitCode: number]> = {
  CONFIG_INVALID: [500, 78],
  USAGE: [500, 64],
  DB_UNREACHABLE: [500, 1],
  DB_DRIVER_UNPATCHED: [500, 1],
  PASSWORD_KEY: [500, 1],
  LINK_KEY: [500, 1],
  DATA_DIR: [500, 1],
  INVALID_REQUEST: [400, 1],
  UNAUTHORIZED: [401, 1],
  FORBIDDEN: [403, 1],
  NOT_FOUND: [404, 1],
  INTERNAL: [500, 70],
  SUBSCRIBER_NOT_FOUND: [404, 1],
  SUBSCRIBER_EXISTS: [409, 1],
  SUBSCRIBER_INVALID: [400, 1],
  IMPORT_INVALID: [500, 1],
  PLAN_UNKNOWN: [400, 1],
  WORKSPACE_UNKNOWN: [400, 1],
  SESSION_NOT_FOUND: [500, 1],
  REMINDER_UNAVAILABLE: [500, 1],
  PAYMENT_INVALID: [400, 1],
  PAYMENT_CONFLICT: [409, 1],
  PAYMENT_NOT_FOUND: [404, 1],
  BILLING_INVALID: [400, 1],
  ROUTEROS_CONNECT: [500, 1],
  ROUTEROS_TLS: [500, 1],
  ROUTEROS_LOGIN: [500, 1],
  ROUTEROS_TRAP: [500, 1],
  ROUTEROS_FATAL: [500, 1],
  ROUTEROS_TIMEOUT: [500, 1],
  ROUTEROS_CLOSED: [500, 1],
  ROUTEROS_PROTOCOL: [500, 1],
  NAS_UNKNOWN: [500, 1],
  ROUTER_RENDER: [500, 1],
  ROUTER_APPLY: [500, 1],
  ENFORCEMENT_JOB_NOT_FOUND: [404, 1],
};

const entries = Object.entries(ERRORS);

/** Every .ts file under src/, with its text. */
function sources(): Array<{ file: string; text: string }> {
  const dir = path.join(ROOT, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: path.join('src', f), text: readFileSync(path.join(dir, f), 'utf8') }));
}

describe('the error catalogue', () => {
  it('holds exactly these codes, with these HTTP statuses and exit codes', () => {
    expect(Object.fromEntries(entries.map(([code, e]) => [code, [e.status, e.exitCode]]))).toEqual(EXPECTED);
  });

  it('names each entry by its own code', () => {
    for (const [code, e] of entries) expect(e.code, code).toBe(code);
  });

  it('has a non-empty message without a trailing period for every code', () => {
    for (const [code, e] of entries) {
      expect(e.message.trim(), code).not.toBe('');
      expect(e.message, code).toBe(e.message.trim());
      expect(e.message, code).not.toMatch(/\.$/);
    }
  });

  it('uses valid HTTP error statuses and exit codes', () => {
    for (const [code, e] of entries) {
      expect(STATUS_CODES[e.status], `${code}: ${e.status}`).toBeDefined();
      expect(e.status >= 400 && e.status <= 599, `${code}: ${e.status}`).toBe(true);
      expect(Number.isInteger(e.exitCode) && e.exitCode >= 1 && e.exitCode <= 125, `${code}: exit ${e.exitCode}`).toBe(true);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERRORS)).toBe(true);
    for (const [, e] of entries) expect(Object.isFrozen(e)).toBe(true);
  });
});

describe('src/ and the catalogue agree', () => {
  const files = sources().filter((f) => f.file !== path.join('src', 'errors.ts'));

  it('raises only catalogue codes', () => {
    const raised = new Map<string, string>();
    for (const { file, text } of files) {
      for (const m of text.matchAll(/(?:new\s+RadgateError|radgateError|\bsuper)\(\s*'([A-Z][A-Z0-9_]*)'/g)) raised.set(m[1]!, file);
    }
    expect(raised.size).toBeGreaterThan(10);
    for (const [code, file] of raised) expect(Object.keys(ERRORS), `${code} raised in ${file}`).toContain(code);
  });

  it('uses every catalogue code somewhere (as a \'CODE\' literal or ERRORS.CODE)', () => {
    const unused = Object.keys(ERRORS).filter((code) => !files.some(({ text }) => text.includes(`'${code}'`) || text.includes(`ERRORS.${code}`)));
    expect(unused).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  it('lists every code with its status, exit code and message, and nothing else', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (\d+) \| (\d+) \| (.+?) \|$/gm)]
      .map((m) => ({ code: m[1], status: Number(m[2]), exitCode: Number(m[3]), message: m[4] }));
    expect(rows).toEqual(entries.map(([code, e]) => ({ code, status: e.status, exitCode: e.exitCode, message: e.message })));
  });
});

describe('error classes', () => {
  it('ConfigError is a RadgateError with the catalogue code CONFIG_INVALID and keeps its problems', () => {
    const error = new ConfigError(['nas.yaml: nas[0].secret: missing', 'plans.yaml: plans: nothing']);
    expect(error).toBeInstanceOf(RadgateError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID', message: 'nas.yaml: nas[0].secret: missing\nplans.yaml: plans: nothing' });
    expect(error.problems).toEqual(['nas.yaml: nas[0].secret: missing', 'plans.yaml: plans: nothing']);
    expect(ERRORS[error.code].exitCode).toBe(78);
  });

  it('RadgateError keeps its code, specific message and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new RadgateError('DB_UNREACHABLE', 'cannot connect to the database at postgres://radgate:***@db/radgate', { cause });
    expect(error).toMatchObject({ name: 'RadgateError', code: 'DB_UNREACHABLE', cause });
    expect(error.message).not.toBe(ERRORS.DB_UNREACHABLE.message);
  });
});

/** `radgate sessions [--user U] [--nas N] [--ip A] [--all]` and `radgate sessions close ID`. */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import type { SessionRow } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { closeSessionAnnounced } from '../sessions/live-sessions.js';
import { getSession, listSessions } from '../sessions/store.js';
import type { CliContext } from './context.js';
import { table } from './format.js';

export const SESSIONS_USAGE = `radgate sessions [--user U] [--nas N] [--ip A] [--all] [--workspace W] [--limit N] [--json]
    open sessions (with --all: closed ones too, most recent first)
radgate sessions close ID
    mark a session closed (Admin-Reset) in radgate's records: for a session you know is gone. It does not
    disconnect anyone on the router.`;

const OPTIONS = {
  user: { type: 'string' },
  nas: { type: 'string' },
  ip: { type: 'string' },
  all: { type: 'boolean' },
  workspace: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 1288490188 → "1.2 GiB" (binary units, one decimal). */
export function humanOctets(octets: bigint | number): string {
  let value = typeof octets === 'bigint' ? octets : BigInt(Math.trunc(octets));
  if (value < 1024n) return `${value} B`;
  let unit = 0;
  // Integer steps first so values beyond 2^53 stay exact enough, then one decimal.
  while (value >= 1024n * 1024n && unit < UNITS.length - 2) {
    value /= 1024n;
    unit++;
  }
  return `${(Number(value) / 1024).toFixed(1)} ${UNITS[unit + 1]}`;
}

/** 93784 → "1d 02h", 3723 → "1h 02m", 63 → "1m 03s", 9 → "9s". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 86400) return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Session length: what the NAS reported, else the wall-clock span. */
export function sessionSeconds(row: Pick<SessionRow, 'startedAt' | 'stoppedAt' | 'acctSessionTime'>, now: Date): number {
  const span = ((row.stoppedAt ?? now).getTime() - row.startedAt.getTime()) / 1000;
  return row.stoppedAt && row.acctSessionTime > 0 ? row.acctSessionTime : Math.max(span, row.acctSessionTime);
}

/** open, stale (open but silent for factor × interim interval: the sweep will close it) or the close reason. */
export function sessionState(row: SessionRow, now: Date, staleFactor: number): string {
  if (row.stoppedAt) return `closed: ${row.terminateCause ?? row.closedBy ?? 'unknown'}`;
  const silent = (now.getTime() - row.lastSeen.getTime()) / 1000;
  return silent >= row.interimInterval * staleFactor ? `stale (silent ${humanDuration(silent)})` : 'open';
}

function positiveInteger(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new RadgateError('USAGE', `${what} must be a positive whole number, got "${value}"`);
  return Number(value);
}

export async function sessionsCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const database = await ctx.db();
  const now = new Date();
  if (positionals[0] === 'close') {
    const id = positiveInteger(positionals[1] ?? '', 'ID');
    if (positionals.length > 2) throw new RadgateError('USAGE', SESSIONS_USAGE);
    const closed = await closeSessionAnnounced(database, id, now);
    const row = await getSession(database.db, id);
    if (!row) throw new RadgateError('SESSION_NOT_FOUND', `no session ${id}`);
    if (!closed) {
      throw new RadgateError('SESSION_NOT_FOUND', `session ${id} is already closed (${row.terminateCause ?? row.closedBy} at ${timestamp(row.stoppedAt ?? now)})`);
    }
    return `closed session ${id} (${row.username} on ${row.nasName}, Admin-Reset)`;
  }
  if (positionals.length > 0) throw new RadgateError('USAGE', `unexpected "${positionals[0]}"\n\n${SESSIONS_USAGE}`);
  if (values.ip !== undefined && isIP(values.ip) === 0) throw new RadgateError('USAGE', `--ip: "${values.ip}" is not an IP address`);
  const config = await ctx.loadConfig();
  if (values.nas !== undefined && !config.nas.some((n) => n.name === values.nas)) {
    throw new RadgateError('USAGE', `no NAS named "${values.nas}" in nas.yaml`);
  }
  const rows = await listSessions(database.db, {
    workspaceId: values.workspace === undefined ? undefined : ctx.workspace(config, values.workspace),
    username: values.user,
    nasName: values.nas,
    framedIpAddress: values.ip,
    all: values.all ?? false,
    limit: values.limit === undefined ? (values.all ? 100 : 10_000) : positiveInteger(values.limit, '--limit'),
  });
  const factor = config.server.staleSessionFactor;
  if (values.json) {
    return JSON.stringify(
      rows.map((r) => ({
        ...r,
        acctInputOctets: r.acctInputOctets.toString(),
        acctOutputOctets: r.acctOutputOctets.toString(),
        state: sessionState(r, now, factor),
      })),
      null,
      2,
    );
  }
  if (rows.length === 0) return values.all ? 'no sessions' : 'no open sessions';
  return table(
    ['ID', 'USER', 'NAS', 'IP', 'MAC', 'SESSION-ID', 'STARTED', 'DURATION', 'ACCT-INPUT', 'ACCT-OUTPUT', 'STATE'],
    rows.map((r) => [
      r.id,
      r.username,
      r.nasName,
      r.framedIpAddress,
      r.callingStationId,
      r.acctSessionId,
      timestamp(r.startedAt),
      humanDuration(sessionSeconds(r, now)),
      humanOctets(r.acctInputOctets),
      humanOctets(r.acctOutputOctets),
      sessionState(r, now, factor),
    ]),
  );
}

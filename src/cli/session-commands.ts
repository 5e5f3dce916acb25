/** `radgate sessions [--user U] [--nas N] [--ip A] [--status S] [--since AGE] [--all]` and `radgate sessions close ID`. */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import type { SessionRow } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { closeSessionAnnounced } from '../sessions/live-sessions.js';
import { getSession, listSessions } from '../sessions/store.js';
import { sinceSeconds } from './args.js';
import type { CliContext } from './context.js';
import { displayText, humanAge, humanSize, table } from './format.js';

export const SESSIONS_USAGE = `radgate sessions [--user U] [--nas N] [--ip A] [--status open|stale|closed] [--since AGE] [--all]
                 [--workspace W] [--limit N] [--json]
    open sessions (with --all: closed ones too, most recent first). --status stale: open but silent past the
    stale limit (the sweep will close them); --status closed implies --all. --since 2h: started in the last two
    hours (units s, m, h, d). Sizes in binary units (1.2 GiB), durations as 3h12m; control characters in
    usernames and other recorded text are shown escaped (\\x1b); --json gives the exact values.
radgate sessions close ID
    mark a session closed (Admin-Reset) in radgate's records: for a session you know is gone. It does not
    disconnect anyone on the router.`;

const OPTIONS = {
  user: { type: 'string' },
  nas: { type: 'string' },
  ip: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  all: { type: 'boolean' },
  workspace: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const SESSION_STATUSES = ['open', 'stale', 'closed'] as const;

/** 1288490188 → "1.2 GiB" (binary units, one decimal): the older name of `humanSize` in format.ts, still imported. */
export const humanOctets = humanSize;

/** 93784 → "1d 02h", 3723 → "1h 02m", 63 → "1m 03s", 9 → "9s": the spaced form; tables use `humanAge` (3h12m). */
export function humanDuration(seconds: number): string {
  return humanAge(seconds).replace(/^(\d+[dhm])(\d)/, '$1 $2');
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
  return silent >= row.interimInterval * staleFactor ? `stale (silent ${humanAge(silent)})` : 'open';
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
      throw new RadgateError('SESSION_NOT_FOUND', `session ${id} is already closed (${displayText(row.terminateCause ?? row.closedBy ?? 'unknown')} at ${timestamp(row.stoppedAt ?? now)})`);
    }
    return `closed session ${id} (${displayText(row.username)} on ${displayText(row.nasName)}, Admin-Reset)`;
  }
  if (positionals.length > 0) throw new RadgateError('USAGE', `unexpected "${positionals[0]}"\n\n${SESSIONS_USAGE}`);
  if (values.ip !== undefined && isIP(values.ip) === 0) throw new RadgateError('USAGE', `--ip: "${values.ip}" is not an IP address`);
  const config = await ctx.loadConfig();
  if (values.nas !== undefined && !config.nas.some((n) => n.name === values.nas)) {
    throw new RadgateError('USAGE', `no NAS named "${values.nas}" in nas.yaml`);
  }
  const wanted = values.status;
  if (wanted !== undefined && !(SESSION_STATUSES as readonly string[]).includes(wanted)) {
    throw new RadgateError('USAGE', `--status: "${wanted}" is not one of ${SESSION_STATUSES.join(', ')}`);
  }
  const all = (values.all ?? false) || wanted === 'closed';
  const listed = await listSessions(database.db, {
    workspaceId: values.workspace === undefined ? undefined : ctx.workspace(config, values.workspace),
    username: values.user,
    nasName: values.nas,
    framedIpAddress: values.ip,
    all,
    closedOnly: wanted === 'closed',
    startedWithinSeconds: values.since === undefined ? undefined : sinceSeconds(values.since),
    limit: values.limit === undefined ? (all ? 100 : 10_000) : positiveInteger(values.limit, '--limit'),
  });
  const factor = config.server.staleSessionFactor;
  // open vs stale is a judgement on the silence, made here as the STATE column makes it.
  const stateClass = (r: SessionRow) => (r.stoppedAt ? 'closed' : sessionState(r, now, factor) === 'open' ? 'open' : 'stale');
  const rows = wanted === 'open' || wanted === 'stale' ? listed.filter((r) => stateClass(r) === wanted) : listed;
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
  if (rows.length === 0) return wanted !== undefined ? `no ${wanted} sessions` : all ? 'no sessions' : 'no open sessions';
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
      humanAge(sessionSeconds(r, now)),
      humanSize(r.acctInputOctets),
      humanSize(r.acctOutputOctets),
      // A router-local subscriber's session, learned from the router's list (no accounting counters).
      r.learnedFrom === 'router' ? `${sessionState(r, now, factor)} (from router)` : sessionState(r, now, factor),
    ]),
    { right: [0, 7, 8, 9] },
  );
}

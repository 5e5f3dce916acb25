/**
 * `radgate explain USER`: what an Access-Request for USER from a NAS would get now, and why — the same explanation
 * as `GET /api/v1/subscribers/{id}/explain` (src/web/admin/explain.ts), as `key  value` lines for support staff or,
 * with --json, the API's JSON. No password is checked or printed; nothing is written.
 */
import { parseArgs } from 'node:util';
import type * as z from 'zod';
import { BillingAccounts, databaseClock } from '../billing/accounts.js';
import { RadgateError } from '../errors.js';
import { chooseNas, explainSubscriber, type ExplainMethod } from '../web/admin/explain.js';
import { EXPLAIN_METHODS, Explanation } from '../web/admin/schemas.js';
import { need } from './args.js';
import type { CliContext } from './context.js';
import { keyValues, localTime, relativeTime } from './format.js';

export const EXPLAIN_USAGE = `radgate explain USER [--nas NAS] [--method pap|chap|mschapv2] [--workspace W] [--json]
  What an Access-Request for USER from NAS would get now: Accept or Reject, the exact reply attributes, the reasons
  (status and why, promise to pay, pinned status, open sessions against the plan's limit, the NAS's workspace) and
  the next billing change. The password is not checked: --method says whether the stored credential can verify that
  method. Nothing is written; no password or hash is shown.
  --nas NAS      the router the request would come from (default: the only NAS of USER's workspace)
  --method M     pap (default), chap or mschapv2
  --workspace W  USER's workspace, when several are configured
  --json         the JSON of GET /api/v1/subscribers/{id}/explain`;

type Explained = z.input<typeof Explanation>;

export async function explainCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { nas: { type: 'string' }, method: { type: 'string' }, workspace: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const username = need(positionals[0], 'USER', EXPLAIN_USAGE);
  if (positionals.length > 1) throw new RadgateError('USAGE', `one USER only, got ${positionals.length}\n\n${EXPLAIN_USAGE}`);
  const method = (values.method ?? 'pap') as ExplainMethod;
  if (!EXPLAIN_METHODS.includes(method)) throw new RadgateError('USAGE', `--method: one of ${EXPLAIN_METHODS.join(', ')}, got "${values.method}"`);

  const config = await ctx.loadConfig();
  const database = await ctx.db();
  // The key is read, never created: explaining writes nothing.
  const subscribers = await ctx.subscribers({ createKey: false });
  const row = await subscribers.get(ctx.workspace(config, values.workspace), username);
  const choice = chooseNas(config, row.workspaceId, values.nas);
  if (!choice.ok) throw new RadgateError(choice.unknown ? 'NAS_UNKNOWN' : 'USAGE', `${choice.problem} (--nas NAS)`);
  const billing = new BillingAccounts({ database, config: () => config, clock: databaseClock(database), log: ctx.log });
  const explained = await explainSubscriber({ config: () => config, database, billing, subscribers }, row.id, choice.nas, method);
  // Checked against the API's schema, so --json and GET …/explain give the same document.
  return values.json ? JSON.stringify(Explanation.parse(explained), null, 2) : human(explained);
}

const seconds = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/** The explanation as `key  value` lines, times in the workspace's time zone. */
function human(x: Explained): string {
  const tz = x.timezone;
  const at = (iso: string | null | undefined) => (iso ? localTime(new Date(iso), tz) : '-');
  const now = Date.parse(x.now);
  const b = x.billing;
  const s = x.subscriber;

  const answer = x.code === 'Access-Accept'
    ? `Access-Accept with ${x.profile === 'expired' ? "the workspace's expired profile (unpaid: restricted)" : `the plan ${s.plan}`}`
    : `Access-Reject: ${x.reason} (sent after ${x.reject_delay_seconds ?? 0} s)`;
  const reply = x.attributes.map((a) => {
    if (a.varies === 'random') return `${a.name} = ${a.fixed_prefix}<${a.random_hex_digits} random hex digits, new in every reply>`;
    if (a.varies === 'request') return `${a.name} = <computed from the request>`;
    return `${a.name} = ${a.value}`;
  });
  const credential = x.credential;
  const method = credential === null
    ? `${x.method}: not checked (the subscriber is not found from this NAS)`
    : `${x.method}: ${credential.usable ? `the stored ${credential.stored === 'password' ? 'password' : 'NT hash'} can verify it (the password itself is not checked)` : credential.reason}; usable: ${credential.usable_methods.join(', ')}`;
  const status = [`${b.status} — ${b.pending ? (b.status_reason ?? 'no reason recorded') : b.evaluated_reason}`];
  if (b.pending) status.push(`billing now gives ${b.evaluated_status} (${b.evaluated_reason}); the evaluator writes it within ${seconds(b.evaluation_interval_seconds)}`);
  const next = b.next === null
    ? (b.managed ? 'none due' : 'none (not managed by billing)')
    : `${b.next.status} at ${at(b.next.at)} (${relativeTime(Date.parse(b.next.at) - now)}): ${b.next.reason}`;
  const pairs: Array<[string, unknown]> = [
    ['subscriber', `${s.username} (id ${s.id}, workspace ${s.workspace}, plan ${s.plan}${s.static_ip ? `, static IP ${s.static_ip}` : ''})`],
    ['nas', `${x.nas.name} (serves workspace ${x.nas.workspace}${x.nas.workspace_match ? '' : `, not ${s.workspace}`})`],
    ['method', method],
    ['answer', answer],
    ['reply', reply],
    ['status', status],
    ['since', at(b.since)],
    ['promise', b.promise_until === null ? '-' : `until ${at(b.promise_until)} (${b.promise_active ? 'in force' : 'ended'})`],
    ['pinned', b.override === null ? '-' : `${b.override.status} ${b.override.until ? `until ${at(b.override.until)}` : 'until cleared'}: ${b.override.reason ?? ''}`],
    ['sessions', x.sessions !== null ? `${x.sessions.open} open; the plan allows ${x.sessions.limit}` : x.profile === 'refuse' ? 'not counted: the status refuses first' : 'not counted'],
    ['next', next],
  ];
  if (x.notes.length > 0) pairs.push(['note', x.notes]);
  return keyValues(pairs);
}

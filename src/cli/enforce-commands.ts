/**
 * `radgate enforce USER` (run the ladder now, each step printed as it ends), `radgate jobs [--failed]` and
 * `radgate jobs ID` (the audit trail), `radgate coa-test NAS --user U` (a harmless CoA probe, and exactly what the
 * router answered).
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import type { NasConfig } from '../config/index.js';
import { ENFORCEMENT_JOB_STATES, type EnforcementJobState } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { createClaimedJob, getJob, jobCounts, listJobs } from '../enforce/jobs.js';
import { describeRadius, identification, retryPolicy, type AttemptRecord } from '../enforce/ladder.js';
import { ENFORCEMENT_CHANNEL } from '../db/channels.js';
import { EnforcementWorkers } from '../enforce/workers.js';
import { databaseSessions } from '../enforce/session-source.js';
import { describeErrorCause, RadiusClient, type CoaResult } from '../radius/client.js';
import { Code } from '../radius/codes.js';
import { makeSecret } from '../radius/encode.js';
import type { CliContext } from './context.js';
import { displayText, humanAge, keyValues, table } from './format.js';
import { need, sinceSeconds } from './args.js';

export const ENFORCE_USAGE = `radgate enforce USER [--workspace W]
    push USER's current profile to every open session now — CoA, then Disconnect, then the RouterOS API kick —
    printing each step; recorded as a job like the automatic ones. Exit 0 when every session took it.
radgate jobs [--status pending|running|done|failed] [--failed] [--nas N] [--since AGE] [--user U] [--limit N]
             [--json] [--workspace W]
    enforcement jobs, newest first, with their age (3h12m). --failed is --status failed (those that gave up);
    --nas: jobs with an attempt on that NAS; --since 2h: created in the last two hours (units s, m, h, d).
radgate jobs ID [--json]
    one job with every attempt (time, NAS, method, result, Error-Cause)
radgate coa-test NAS --user U [--session ACCT-SESSION-ID] [--address IP]
    send a harmless CoA-Request (session identification only, no change) to NAS and report exactly what it answered:
    ACK, NAK with its Error-Cause, nothing, or a reply that failed verification (wrong secret). Without --session,
    the user's open session on NAS is used if radgate knows one, else an id that matches no session (expect NAK 503).`;

export interface Output {
  /** Lines as they happen (enforce prints each step live). */
  write: (text: string) => void;
}

function attemptLine(a: AttemptRecord): string {
  const method = { coa: 'CoA', disconnect: 'Disconnect', api: 'API' }[a.method];
  return `  ${a.at.toISOString()}  ${a.nas}  ${a.username}/${a.acctSessionId ?? '-'}  ${method.padEnd(10)}  ${a.detail}  (${a.durationMs} ms)`;
}

/** `radgate enforce USER`: exit code 0 when done, 1 otherwise. */
export async function enforceCommand(ctx: CliContext, argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { workspace: { type: 'string' } }, allowPositionals: true, strict: true });
  const username = need(positionals[0], 'USER', ENFORCE_USAGE);
  const config = await ctx.loadConfig();
  const workspaceId = ctx.workspace(config, values.workspace);
  const service = await ctx.subscribers();
  const subscriber = await service.get(workspaceId, username);
  const database = await ctx.db();
  // Everything the workers would log is printed below as it happens; their log lines would only repeat it.
  const enforcement = new EnforcementWorkers({ database, config: () => config, log: ctx.log.child({}, { level: 'fatal' }), instanceId: `cli:${process.pid}` });
  try {
    const job = await createClaimedJob(database.db, enforcement.instanceId, config.server.enforcement.leaseSeconds, {
      subscriberId: subscriber.id,
      workspaceId,
      kind: 'manual',
      fromStatus: null,
      toStatus: subscriber.status,
      reason: 'radgate enforce (command line)',
    });
    out.write(`${username} (#${subscriber.id}, workspace ${workspaceId}): status ${subscriber.status} — job #${job.id}\n`);
    const run = await enforcement.runJob(job, {
      onPush: (push, sessions) => {
        out.write(`pushing the ${push.label}${push.restore.length > 0 ? ` (${push.restore.join('; ')})` : ''}\n`);
        out.write(sessions.length === 0
          ? 'no open session\n'
          : `${sessions.length} open session(s): ${sessions.map((s) => `${s.nasName} ${s.acctSessionId} ${s.framedIpAddress ?? '-'}`).join(', ')}\n`);
      },
      onAttempt: (attempt) => out.write(attemptLine(attempt) + '\n'),
    });
    out.write(`${run.finish.state}: ${run.finish.outcome}\n`);
    // Wake the servers' workers: the merged jobs are settled, and nothing else waits on this one.
    await database.notify(ENFORCEMENT_CHANNEL, 'cli').catch(() => {});
    return run.finish.state === 'done' ? 0 : 1;
  } finally {
    await enforcement.close();
  }
}

/** `radgate jobs …`. */
export async function jobsCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      failed: { type: 'boolean' },
      status: { type: 'string' },
      nas: { type: 'string' },
      since: { type: 'string' },
      user: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const database = await ctx.db();
  const id = positionals[0] === 'show' ? positionals[1] : positionals[0];
  if (id !== undefined) {
    if (!/^\d+$/.test(id)) throw new RadgateError('USAGE', `not a job id: "${id}"\n\n${ENFORCE_USAGE}`);
    const found = await getJob(database.db, Number(id));
    if (!found) throw new RadgateError('USAGE', `no enforcement job #${id}`);
    if (values.json) return JSON.stringify(found, null, 2);
    const { job, attempts } = found;
    // Recorded text (usernames, reasons, router answers) is shown escaped: it cannot drive the terminal.
    const head = keyValues([
      ['job', `#${job.id}`],
      ['subscriber', `${displayText(job.username ?? '(deleted)')} (#${job.subscriberId}, workspace ${displayText(job.workspaceId)})`],
      ['change', `${job.kind}: ${job.fromStatus ?? '?'} → ${job.toStatus ?? '?'}${job.reason ? ` (${displayText(job.reason)})` : ''}`],
      ['state', job.state],
      ['attempts', job.attempts],
      ['created', job.createdAt],
      ['next attempt', job.state === 'pending' ? job.nextAttemptAt : null],
      ['finished', job.finishedAt],
      ['outcome', job.outcome === null ? null : displayText(job.outcome)],
    ]);
    const rows = attempts.map((a) => [a.at.toISOString(), a.nas, `${a.username}/${a.acctSessionId ?? '-'}`, a.method, a.result, a.errorCause === null ? null : describeErrorCause(a.errorCause), `${a.durationMs} ms`, a.detail]);
    return `${head}\n\n${attempts.length === 0 ? 'no attempts' : table(['time', 'nas', 'session', 'method', 'result', 'error-cause', 'took', 'detail'], rows)}`;
  }
  let subscriberId: number | undefined;
  if (values.user !== undefined) {
    const config = await ctx.loadConfig();
    subscriberId = (await (await ctx.subscribers()).get(ctx.workspace(config, values.workspace), values.user)).id;
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new RadgateError('USAGE', `--limit must be a positive whole number`);
  if (values.status !== undefined && !(ENFORCEMENT_JOB_STATES as readonly string[]).includes(values.status)) {
    throw new RadgateError('USAGE', `--status: "${values.status}" is not one of ${ENFORCEMENT_JOB_STATES.join(', ')}`);
  }
  const state = values.status as EnforcementJobState | undefined;
  if (values.nas !== undefined) {
    const config = await ctx.loadConfig();
    if (!config.nas.some((n) => n.name === values.nas)) throw new RadgateError('USAGE', `no NAS named "${values.nas}" in nas.yaml`);
  }
  const jobs = await listJobs(database.db, {
    failed: values.failed ?? false,
    state,
    subscriberId,
    nas: values.nas,
    createdWithinSeconds: values.since === undefined ? undefined : sinceSeconds(values.since),
    limit,
  });
  if (values.json) return JSON.stringify(jobs, null, 2);
  const counts = await jobCounts(database.db);
  const summary = ['pending', 'running', 'done', 'failed'].map((s) => `${counts[s] ?? 0} ${s}`).join(', ');
  const which = state ?? (values.failed ? 'failed' : undefined);
  if (jobs.length === 0) return `${summary}\nno ${which === undefined ? '' : `${which} `}jobs${values.nas === undefined ? '' : ` on ${values.nas}`}${values.since === undefined ? '' : ` in the last ${values.since}`}`;
  const now = Date.now();
  const rows = jobs.map((j) => [
    j.id,
    humanAge((now - j.createdAt.getTime()) / 1000),
    j.username ?? `#${j.subscriberId}`,
    `${j.kind} ${j.fromStatus ?? '?'}→${j.toStatus ?? '?'}`,
    j.state,
    j.attempts,
    j.outcome,
  ]);
  return `${summary}\n${table(['ID', 'AGE', 'USER', 'CHANGE', 'STATE', 'TRIES', 'OUTCOME'], rows, { right: [0, 1, 5] })}`;
}

/** `radgate coa-test NAS --user U`: exit code 0 when the router answered (ACK or NAK), 1 when it did not. */
export async function coaTestCommand(ctx: CliContext, argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, session: { type: 'string' }, address: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const nasName = need(positionals[0], 'NAS', ENFORCE_USAGE);
  const user = need(values.user, '--user', ENFORCE_USAGE);
  const config = await ctx.loadConfig();
  const nas: NasConfig | undefined = config.nas.find((n) => n.name === nasName);
  if (!nas) throw new RadgateError('NAS_UNKNOWN', `no NAS "${nasName}" in nas.yaml (configured: ${config.nas.map((n) => n.name).join(', ') || 'none'})`);
  if (values.address !== undefined && isIP(values.address) === 0) throw new RadgateError('USAGE', `--address must be an IP address`);

  // The session to name: the given id, else the user's open session on this NAS, else one that cannot exist.
  const database = await ctx.db();
  const subscriber = await (await ctx.subscribers()).find(nas.workspace, user);
  const open = subscriber ? ((await databaseSessions(database.db).openSessions([subscriber.id])).get(subscriber.id) ?? []) : [];
  const onNas = open.filter((s) => s.nasName === nas.name);
  const known = values.session === undefined ? onNas[0] : onNas.find((s) => s.acctSessionId === values.session);
  const acctSessionId = values.session ?? known?.acctSessionId ?? `radgate-probe-${process.pid}`;
  const single = !nas.address.includes('/') || /\/(32|128)$/.test(nas.address);
  const address = values.address ?? known?.nasAddress ?? (single ? nas.address.replace(/\/\d+$/, '') : undefined);
  if (address === undefined) throw new RadgateError('USAGE', `NAS ${nas.name} is the range ${nas.address}: say which router with --address`);
  const session = {
    nasIpAddress: known?.nasIpAddress ?? null,
    nasAddress: address,
    username: user,
    acctSessionId,
    framedIpAddress: known?.framedIpAddress ?? null,
  };
  const source = values.session !== undefined ? (known ? "radgate's open session" : 'as given') : known ? "the user's open session in radgate" : 'made up: matches no session';
  out.write(`CoA-Request to ${nas.name} at ${address}:${nas.coaPort}: User-Name ${user}, Acct-Session-Id ${acctSessionId} (${source})` +
    `${session.framedIpAddress ? `, Framed-IP-Address ${session.framedIpAddress}` : ''}; identification only, nothing to change\n`);

  const bind = config.server.bind;
  const radius = new RadiusClient({ bind: /^\d+\.\d+\.\d+\.\d+$/.test(bind) ? bind : undefined });
  let result: CoaResult;
  try {
    result = await radius.send({ name: nas.name, address, port: nas.coaPort, secret: makeSecret(nas.secret) }, Code.CoaRequest, identification(session), retryPolicy(nas.enforcement));
  } finally {
    await radius.close();
  }
  out.write(`answer: ${describeRadius('CoA', result)}\n`);
  if (result.kind === 'timeout') {
    if (result.dropped.some((d) => d.reason === 'bad-response-authenticator' || d.reason === 'bad-message-authenticator')) {
      out.write(`meaning: ${nas.name} answered, but its replies failed verification: the shared secret on the router differs from nas.yaml.\n`);
    } else {
      out.write(`meaning: nothing came back. On the router: /radius incoming set accept=yes port=${nas.coaPort}; allow UDP ${nas.coaPort} from radgate in its firewall; and check that /radius has radgate's address with the same secret (a wrong secret is dropped silently).\n`);
    }
    return 1;
  }
  out.write(`verified: Response Authenticator OK; Message-Authenticator ${result.messageAuthenticator ? 'present and OK' : 'absent'}; ${result.tries} tr${result.tries === 1 ? 'y' : 'ies'}, ${result.elapsedMs} ms\n`);
  if (result.kind === 'ack') out.write(`meaning: ${nas.name} accepts radgate's CoA (address, port and secret are right) and found the session.\n`);
  else if (result.errorCause === 503) out.write(`meaning: ${nas.name} accepts radgate's CoA (address, port and secret are right); it has no such session.\n`);
  else out.write(`meaning: ${nas.name} accepts radgate's CoA (address, port and secret are right) but refused this one${result.errorCause === undefined ? '' : ` (${describeErrorCause(result.errorCause)})`}.\n`);
  return 0;
}

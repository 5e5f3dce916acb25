/**
 * The enforcement ladder for one live session (docs/radius-protocol.md §12, docs/routeros.md §5, §10):
 * CoA-Request with the new profile → on NAK or silence, Disconnect-Request (identification only; NAK 503 = already
 * gone) → on failure, the RouterOS API kick when the NAS has API credentials. Each attempt is reported as it ends;
 * the result names what worked, or the operator-facing reason nothing did.
 */
import type { Config, EnforcementStep, NasConfig, NasEnforcementConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { describeErrorCause, type CoaResult, type RadiusClient, type RetryPolicy } from '../radius/client.js';
import { Code } from '../radius/codes.js';
import { makeSecret, type ReplyAttribute, type Secret } from '../radius/encode.js';
import { endpointOf, kickHotspotSession, kickPppSession, RouterOsError, type KickResult, type RouterOsPool } from '../routeros/api.js';
import type { KeyedLimiter } from './limiter.js';
import { coaSkipReason, type SessionPush } from './push.js';
import type { OpenSession } from './session-source.js';
import type { EnforcementMethod, EnforcementResult } from '../db/schema.js';

// nas.yaml's steps and the attempts' methods are one list (config may not import the schema): the compiler checks.
const stepsAreMethods: [EnforcementStep] extends [EnforcementMethod] ? ([EnforcementMethod] extends [EnforcementStep] ? true : never) : never = true;
void stepsAreMethods;


/** One rung tried on one session: the audit trail's unit (table `enforcement_attempts`). */
export interface AttemptRecord {
  at: Date;
  nas: string;
  sessionId: number | null;
  acctSessionId: string | null;
  username: string;
  method: EnforcementMethod;
  result: EnforcementResult;
  /** RFC 5176 Error-Cause of a NAK. */
  errorCause: number | null;
  /** Human-readable, e.g. `CoA-NAK 401 Unsupported-Attribute` or the API error. */
  detail: string;
  durationMs: number;
}

export interface SessionResult {
  session: OpenSession;
  ok: boolean;
  /** The rung that did it; `gone` when the router no longer had the session. */
  via: EnforcementMethod | undefined;
  gone: boolean;
  /** `core1 alice/81a00003: CoA-NAK 401 Unsupported-Attribute → Disconnect-ACK`. */
  summary: string;
  /** Operator-facing reason when not ok. */
  failure: string | undefined;
  /** Stopped because radgate is shutting down: nothing conclusive, the job goes back to the queue. */
  aborted: boolean;
}

export interface LadderContext {
  config: Config;
  radius: RadiusClient;
  routers: RouterOsPool;
  limiter: KeyedLimiter;
  signal?: AbortSignal | undefined;
  log?: Logger | undefined;
  onAttempt?: ((attempt: AttemptRecord) => void) | undefined;
}

const secrets = new WeakMap<NasConfig, Secret>();
function secretOf(nas: NasConfig): Secret {
  let secret = secrets.get(nas);
  if (!secret) secrets.set(nas, (secret = makeSecret(nas.secret)));
  return secret;
}

/** RFC 5080 §2.2.1 back-off from the NAS policy: doubling from coa_timeout, each wait ≤ 8×, all tries ≤ 15×. */
export function retryPolicy(policy: NasEnforcementConfig): RetryPolicy {
  const initial = policy.coaTimeoutSeconds * 1000;
  return { initialTimeoutMs: initial, maxTries: policy.coaTries, maxTimeoutMs: initial * 8, maxTotalMs: initial * 15 };
}

/** Session identification, RFC 5176 §3 (docs/routeros.md §5: all of them, or HotSpot may pick the wrong session). */
export function identification(session: Pick<OpenSession, 'nasIpAddress' | 'nasAddress' | 'username' | 'acctSessionId' | 'framedIpAddress'>): ReplyAttribute[] {
  const attributes: ReplyAttribute[] = [
    { name: 'NAS-IP-Address', value: session.nasIpAddress ?? session.nasAddress },
    { name: 'User-Name', value: session.username },
    { name: 'Acct-Session-Id', value: session.acctSessionId },
  ];
  if (session.framedIpAddress) attributes.push({ name: 'Framed-IP-Address', value: session.framedIpAddress });
  return attributes;
}

/** `CoA-ACK`, `Disconnect-NAK 503 Session-Context-Not-Found`, `CoA: no answer (5 tries, 30.0 s)`. */
export function describeRadius(method: 'CoA' | 'Disconnect', result: CoaResult): string {
  if (result.kind === 'ack') return `${method}-ACK`;
  if (result.kind === 'nak') {
    const cause = result.errorCause === undefined ? 'without Error-Cause' : describeErrorCause(result.errorCause);
    return `${method}-NAK ${cause}${result.replyMessage ? ` ("${result.replyMessage}")` : ''}`;
  }
  const dropped = result.dropped.length > 0 ? `; ${result.dropped.length} reply(ies) dropped: ${[...new Set(result.dropped.map((d) => d.reason))].join(', ')}` : '';
  return `${method}: no answer (${result.tries} tries, ${(result.elapsedMs / 1000).toFixed(1)} s${dropped})`;
}

export async function enforceSession(ctx: LadderContext, session: OpenSession, push: SessionPush): Promise<SessionResult> {
  const where = `${session.nasName} ${session.username}/${session.acctSessionId}`;
  const nas = ctx.config.nas.find((n) => n.name === session.nasName);
  if (!nas) {
    const failure = `NAS ${session.nasName} (session ${session.acctSessionId} of ${session.username}) is no longer in nas.yaml`;
    return { session, ok: false, via: undefined, gone: false, summary: `${where}: ${failure}`, failure, aborted: false };
  }
  const policy = nas.enforcement;
  const steps: string[] = [];
  const radiusRefusals: Array<{ method: 'CoA' | 'Disconnect'; result: CoaResult }> = [];
  const record = (attempt: Omit<AttemptRecord, 'nas' | 'sessionId' | 'acctSessionId' | 'username'>) => {
    const full: AttemptRecord = { ...attempt, nas: nas.name, sessionId: session.id, acctSessionId: session.acctSessionId, username: session.username };
    steps.push(attempt.detail);
    ctx.onAttempt?.(full);
  };
  const done = (ok: boolean, via: EnforcementMethod | undefined, gone: boolean, failure?: string): SessionResult => ({
    session, ok, via, gone, summary: `${where}: ${steps.join(' → ') || failure}`, failure, aborted: false,
  });
  const aborted = (): SessionResult => ({ session, ok: false, via: undefined, gone: false, summary: `${where}: interrupted`, failure: 'interrupted by shutdown', aborted: true });
  const peer = { name: nas.name, address: session.nasAddress, port: nas.coaPort, secret: secretOf(nas) };
  const retry = retryPolicy(policy);
  const send = async (method: 'CoA' | 'Disconnect', code: typeof Code.CoaRequest | typeof Code.DisconnectRequest, attributes: ReplyAttribute[]) => {
    const started = Date.now();
    const result = await ctx.limiter.run(nas.name, policy.concurrency, () => ctx.radius.send(peer, code, attributes, retry));
    record({
      at: new Date(started),
      method: method === 'CoA' ? 'coa' : 'disconnect',
      result: result.kind,
      errorCause: result.kind === 'nak' ? (result.errorCause ?? null) : null,
      detail: describeRadius(method, result),
      durationMs: Date.now() - started,
    });
    if (result.kind !== 'ack') radiusRefusals.push({ method, result });
    return result;
  };

  // 1. CoA-Request: the identification plus the new profile's CoA-changeable attributes.
  const skip = coaSkipReason(push, policy);
  if (skip === undefined) {
    if (ctx.signal?.aborted) return aborted();
    const result = await send('CoA', Code.CoaRequest, [...identification(session), ...push.coaAttributes]);
    if (result.kind === 'ack') return done(true, 'coa', false);
  } else if (!policy.steps.includes('disconnect') && !policy.steps.includes('api')) {
    const failure = `NAS ${nas.name} cannot apply the ${push.label} to ${session.username}: ${skip}, and its enforcement steps are only ${policy.steps.join(', ')}`;
    return done(false, undefined, false, failure);
  }

  // 2. Disconnect-Request: identification only (RFC 5176 §3). NAK 503: the session is already gone.
  if (policy.steps.includes('disconnect')) {
    if (ctx.signal?.aborted) return aborted();
    const result = await send('Disconnect', Code.DisconnectRequest, identification(session));
    if (result.kind === 'ack') return done(true, 'disconnect', false);
    if (result.kind === 'nak' && result.errorCause === 503) {
      steps[steps.length - 1] += ' (already gone)';
      return done(true, 'disconnect', true);
    }
  }

  // 3. The RouterOS API: find the session's row and remove it; no row means it is already gone.
  const radiusText = describeRefusals(radiusRefusals);
  if (!policy.steps.includes('api')) {
    return done(false, undefined, false, `NAS ${nas.name} ${radiusText}, and the api step is not among its enforcement steps`);
  }
  if (!nas.api) {
    return done(false, undefined, false, `NAS ${nas.name} ${radiusText} and has no API credentials configured`);
  }
  if (ctx.signal?.aborted) return aborted();
  const started = Date.now();
  try {
    const api = ctx.routers.get(endpointOf(nas.name, nas.api));
    const services = nas.router?.services ?? ['ppp', 'hotspot'];
    const kick = await ctx.limiter.run(nas.name, policy.concurrency, async (): Promise<KickResult> => {
      let result: KickResult | undefined;
      if (services.includes('ppp')) {
        result = await kickPppSession(api, { user: session.username, sessionId: session.acctSessionId, address: session.framedIpAddress ?? undefined });
      }
      if ((result === undefined || result.outcome === 'gone') && services.includes('hotspot')) {
        const hotspot = await kickHotspotSession(api, { user: session.username, address: session.framedIpAddress ?? undefined });
        if (result === undefined || hotspot.outcome === 'removed' || hotspot.cookiesRemoved > 0) result = hotspot;
      }
      return result!;
    });
    record({
      at: new Date(started),
      method: 'api',
      result: kick.outcome,
      errorCause: null,
      detail: kick.outcome === 'removed' ? `API: ${kick.detail}` : `API: ${kick.detail} (already gone)`,
      durationMs: Date.now() - started,
    });
    return done(true, 'api', kick.outcome === 'gone');
  } catch (err) {
    if (ctx.signal?.aborted) return aborted(); // the connection was closed by the shutdown, not by the router
    const message = err instanceof RouterOsError ? err.message : `unexpected error: ${(err as Error).message}`;
    record({ at: new Date(started), method: 'api', result: 'error', errorCause: null, detail: `API error: ${message}`, durationMs: Date.now() - started });
    ctx.log?.warn({ nas: nas.name, err }, 'RouterOS API kick failed');
    return done(false, undefined, false, `NAS ${nas.name} ${radiusText}, and its RouterOS API failed: ${message}`);
  }
}

/**
 * "did not answer CoA or Disconnect", "refused CoA (NAK 401 Unsupported-Attribute) and did not answer Disconnect",
 * "was not sent a CoA or Disconnect" (no RADIUS step applied).
 */
function describeRefusals(refusals: ReadonlyArray<{ method: 'CoA' | 'Disconnect'; result: CoaResult }>): string {
  if (refusals.length === 0) return 'could not be reached by CoA or Disconnect';
  const silent = refusals.filter((r) => r.result.kind === 'timeout').map((r) => r.method);
  const refused = refusals.filter((r) => r.result.kind === 'nak');
  const parts: string[] = [];
  if (silent.length > 0) parts.push(`did not answer ${silent.join(' or ')}`);
  if (refused.length > 0) {
    parts.push(`refused ${refused.map((r) => `${r.method} (NAK ${r.result.kind === 'nak' && r.result.errorCause !== undefined ? describeErrorCause(r.result.errorCause) : 'without Error-Cause'})`).join(' and ')}`);
  }
  return parts.join(' and ');
}

/** One line per job: what was pushed and how each session took it. */
export function jobSummary(push: SessionPush, results: readonly SessionResult[]): string {
  const ok = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  const head = `${push.label} → ${results.length} session(s)`;
  if (failed.length === 0) return `${head}: ${ok.map((r) => r.summary).join('; ')}`;
  const reasons = [...new Set(failed.map((r) => r.failure))].join('; ');
  const rest = ok.length > 0 ? ` (done: ${ok.map((r) => r.summary).join('; ')})` : '';
  return `${reasons}${rest} [${head}: ${failed.map((r) => r.summary).join('; ')}]`;
}

/**
 * Access-Request (RFC 2865 §4.1): credentials first, then the subscriber's status decides the profile. A refusal
 * tells the subscriber the truth in Reply-Message ("suspended — contact …"), while "unknown user" and "wrong
 * password" share one message so the reply does not reveal which usernames exist. Rejects are delayed. radgate does
 * not do EAP: an EAP-Message is refused with an EAP Failure (docs/radius-protocol.md §9).
 *
 * `explainAccess` walks the same steps for `radgate explain` without a request: the same lookup, the credential
 * method's requirements instead of a password check, and the same decision (src/profile/access-decision.ts).
 */
import { randomBytes } from 'node:crypto';
import { decideAccess, type AccessDecision } from '../profile/access-decision.js';
import type { Config, NasConfig, WorkspaceConfig } from '../config/index.js';
import { authenticate, detectMethod, METHOD_REPLY_ATTRIBUTES, unusableCredential, type AuthMethod } from '../radius/auth/authenticate.js';
import { Attr, Code } from '../radius/codes.js';
import type { ReplyAttribute } from '../radius/encode.js';
import { rawAttribute, stringAttribute, type RadiusRequest } from '../radius/packet.js';
import type { Handler, HandlerDrop, HandlerResult } from '../radius/server.js';
import type { AuthSubscriber, SubscriberDirectory } from '../subscribers/directory.js';

export interface AccessRequestDeps {
  config: () => Config;
  directory: Pick<SubscriberDirectory, 'find'>;
  /** Open, not stale sessions of a subscriber, for the simultaneous-use check (src/sessions/tracker.ts `count`). */
  openSessions?: (subscriberId: number) => number;
}

const BAD_CREDENTIALS = 'Invalid username or password';

/** RFC 3748 §4.2: an EAP Failure (code 4, length 4) answering the peer's packet, whose Identifier it repeats. */
function eapFailure(request: RadiusRequest): Buffer {
  return Buffer.of(4, rawAttribute(request, Attr.EapMessage)?.[1] ?? 0, 0, 4);
}

/** crypto.randomBytes fetched 4 KB at a time: one call per 512 session tags instead of one each. */
let tagRandom = Buffer.alloc(0);
let tagRandomOffset = 0;
/** Random bytes in each Class tag, written as twice as many hex digits. */
const TAG_NONCE_BYTES = 8;

/** The fixed part of a subscriber's Class tag, `rg1:<subscriberId>:`; a random nonce follows. */
export function sessionTagPrefix(subscriberId: number): string {
  return `rg1:${subscriberId}:`;
}

/** Class (RFC 2865 §5.25) echoed by the NAS in accounting: an opaque tag tying the session to this login. */
function sessionTag(subscriberId: number): Buffer {
  if (tagRandomOffset + TAG_NONCE_BYTES > tagRandom.length) {
    tagRandom = randomBytes(4096);
    tagRandomOffset = 0;
  }
  const nonce = tagRandom.toString('hex', tagRandomOffset, (tagRandomOffset += TAG_NONCE_BYTES));
  return Buffer.from(sessionTagPrefix(subscriberId) + nonce);
}

type Lookup =
  | { ok: true; workspace: WorkspaceConfig; subscriber: AuthSubscriber }
  | { ok: false; reason: string; message: string };

/** The NAS's workspace, and the user in it (each NAS serves one workspace, which scopes the username). */
function lookup(config: Config, deps: AccessRequestDeps, nas: NasConfig, user: string): Lookup {
  const workspace = config.workspaceById.get(nas.workspace);
  if (!workspace) return { ok: false, reason: `workspace ${nas.workspace} not configured`, message: 'Service unavailable' };
  const subscriber = deps.directory.find(nas.workspace, user);
  if (!subscriber) return { ok: false, reason: 'unknown user', message: BAD_CREDENTIALS };
  return { ok: true, workspace, subscriber };
}

/** Everything after the credential check: the decision both the handler and `explainAccess` use. */
function decide(config: Config, deps: AccessRequestDeps, workspace: WorkspaceConfig, subscriber: AuthSubscriber): AccessDecision {
  return decideAccess({ subscriber, plan: config.planByName.get(subscriber.plan), workspace, openSessions: deps.openSessions });
}

export function accessRequestHandler(deps: AccessRequestDeps): Handler<NasConfig> {
  return (request: RadiusRequest, { client }): HandlerResult | HandlerDrop => {
    const config = deps.config();
    const nas = client.data;
    const user = stringAttribute(request, 'User-Name');
    const method = detectMethod(request);
    const log = { user, method, code: 'Access-Request' };
    const reject = (reason: string, message: string, extra: ReplyAttribute[] = []): HandlerResult => ({
      code: Code.AccessReject,
      attributes: [...extra, { name: 'Reply-Message', value: message }],
      delayMs: config.server.rejectDelaySeconds * 1000,
      log: { ...log, outcome: 'reject', reason },
    });

    // RFC 2865 §5.2/§5.3, RFC 3579 §3.3 note 1: at most one of User-Password, CHAP-Password and EAP-Message.
    if (Number(request.hasUserPassword) + Number(request.hasChapPassword) + Number(request.hasEapMessage) > 1) {
      return { drop: 'conflicting-credentials' };
    }
    if (request.hasEapMessage) {
      // RFC 3579 §3.1: a server without EAP answers Access-Reject; with an EAP Failure in it (§3.1, RFC 3748 §4.2)
      // and no Reply-Message, which must not travel beside EAP-Message (§2.6.5).
      return {
        code: Code.AccessReject,
        attributes: [{ name: 'EAP-Message', value: eapFailure(request) }],
        delayMs: config.server.rejectDelaySeconds * 1000,
        log: { ...log, outcome: 'reject', reason: 'EAP not supported' },
      };
    }
    if (!user) return reject('no User-Name', BAD_CREDENTIALS);
    const found = lookup(config, deps, nas, user);
    if (!found.ok) return reject(found.reason, found.message);
    const { workspace, subscriber } = found;

    const auth = authenticate(request, method, user, client.secret.bytes, subscriber);
    if (!auth.ok) return reject(auth.reason, BAD_CREDENTIALS, auth.attributes);

    const decision = decide(config, deps, workspace, subscriber);
    if (decision.outcome === 'reject') return reject(decision.reason, decision.message);
    return {
      code: Code.AccessAccept,
      attributes: [...auth.attributes, ...decision.attributes, { name: 'Class', value: sessionTag(subscriber.id) }],
      log: { ...log, outcome: 'accept', profile: decision.profile, status: subscriber.status },
      routine: true,
    };
  };
}

// ---- explain: the same steps without a request --------------------------------------------------------------

/** A reply attribute as `explainAccess` reports it. */
export type ExplainedAttribute =
  /** Sent with exactly this value. */
  | { readonly varies: 'no'; readonly name: string; readonly value: string | number }
  /** Computed from the request (the credential method's own attributes), so not known without one. */
  | { readonly varies: 'request'; readonly name: string }
  /** `prefix` followed by `randomHexDigits` random hex digits, fresh in every reply (Class). */
  | { readonly varies: 'random'; readonly name: string; readonly prefix: string; readonly randomHexDigits: number };

/** The subscriber found, without its credentials. */
export type ExplainedSubscriber = Pick<AuthSubscriber, 'id' | 'workspaceId' | 'username' | 'plan' | 'status' | 'staticIp'>;

/** What the stored credentials allow. Never the password or hash themselves. */
export interface CredentialReport {
  readonly method: AuthMethod;
  readonly stored: 'password' | 'nt-hash';
  /** Why `method` cannot succeed with what is stored; undefined when it can (with the right password). */
  readonly unusable: string | undefined;
  /** Every method the stored credentials can verify. */
  readonly usableMethods: readonly AuthMethod[];
}

export interface AccessExplanation {
  readonly code: 'Access-Accept' | 'Access-Reject';
  /** Why a reject (the reason the server logs); undefined for an accept. */
  readonly reason: string | undefined;
  /** The subscriber the NAS's workspace holds under that username (no credential); undefined when it holds none. */
  readonly subscriber: ExplainedSubscriber | undefined;
  /** Undefined when the lookup refused first. */
  readonly credential: CredentialReport | undefined;
  /** Undefined when the lookup or the credentials refused first. */
  readonly decision: AccessDecision | undefined;
  /** The reply's attributes, in the order they are sent. */
  readonly attributes: readonly ExplainedAttribute[];
  /** How long an Access-Reject is held back (server.reject_delay); undefined for an accept. */
  readonly rejectDelaySeconds: number | undefined;
}

const AUTH_METHODS: readonly AuthMethod[] = ['pap', 'chap', 'mschap1', 'mschap2'];

/** Profile values are text and numbers from the configuration; octets would show as 0x… hex, a date as Unix seconds. */
function explained(a: ReplyAttribute): ExplainedAttribute {
  const v = a.value;
  const value = Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : v instanceof Date ? Math.floor(v.getTime() / 1000) : v;
  return { varies: 'no', name: a.name, value };
}

/**
 * What an Access-Request from `nas` for `username` using `method` would get now, assuming the right password: the
 * handler's lookup and decision on the same deps (directory, open sessions). Reads only; no tag is drawn.
 */
export function explainAccess(deps: AccessRequestDeps, nas: NasConfig, username: string, method: AuthMethod): AccessExplanation {
  const config = deps.config();
  const rejected = (reason: string, message: string, rest: Pick<AccessExplanation, 'subscriber' | 'credential' | 'decision'>): AccessExplanation => ({
    code: 'Access-Reject',
    reason,
    ...rest,
    attributes: [{ varies: 'no', name: 'Reply-Message', value: message }],
    rejectDelaySeconds: config.server.rejectDelaySeconds,
  });
  const found = lookup(config, deps, nas, username);
  if (!found.ok) return rejected(found.reason, found.message, { subscriber: undefined, credential: undefined, decision: undefined });
  const { workspace } = found;
  const { id, workspaceId, plan, status, staticIp } = found.subscriber;
  const subscriber: ExplainedSubscriber = { id, workspaceId, username: found.subscriber.username, plan, status, staticIp };

  const credential: CredentialReport = {
    method,
    stored: found.subscriber.hasPassword ? 'password' : 'nt-hash',
    unusable: unusableCredential(method, found.subscriber),
    usableMethods: AUTH_METHODS.filter((m) => unusableCredential(m, found.subscriber) === undefined),
  };
  if (credential.unusable !== undefined) return rejected(credential.unusable, BAD_CREDENTIALS, { subscriber, credential, decision: undefined });

  const decision = decide(config, deps, workspace, found.subscriber);
  if (decision.outcome === 'reject') return rejected(decision.reason, decision.message, { subscriber, credential, decision });
  return {
    code: 'Access-Accept',
    reason: undefined,
    subscriber,
    credential,
    decision,
    attributes: [
      ...METHOD_REPLY_ATTRIBUTES[method].map((name): ExplainedAttribute => ({ varies: 'request', name })),
      ...decision.attributes.map(explained),
      { varies: 'random', name: 'Class', prefix: sessionTagPrefix(subscriber.id), randomHexDigits: TAG_NONCE_BYTES * 2 },
    ],
    rejectDelaySeconds: undefined,
  };
}

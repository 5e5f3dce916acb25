/**
 * Access-Request (RFC 2865 §4.1): credentials first, then the subscriber's status decides the profile. A refusal
 * tells the subscriber the truth in Reply-Message ("suspended — contact …"), while "unknown user" and "wrong
 * password" share one message so the reply does not reveal which usernames exist. Rejects are delayed. radgate does
 * not do EAP: an EAP-Message is refused with an EAP Failure (docs/radius-protocol.md §9).
 */
import { randomBytes } from 'node:crypto';
import { selectProfile } from '../profile/reply-profile.js';
import type { Config, NasConfig } from '../config/index.js';
import { authenticate, detectMethod } from '../radius/auth/authenticate.js';
import { Attr, Code } from '../radius/codes.js';
import type { ReplyAttribute } from '../radius/encode.js';
import { rawAttribute, stringAttribute, type RadiusRequest } from '../radius/packet.js';
import type { Handler, HandlerDrop, HandlerResult } from '../radius/server.js';
import type { SubscriberDirectory } from '../subscribers/directory.js';

export interface AccessRequestDeps {
  config: () => Config;
  directory: Pick<SubscriberDirectory, 'find'>;
  /** Simultaneous-use check (src/sessions/tracker.ts); returns a refusal reason or undefined. */
  sessionLimit?: (subscriberId: number, maxSessions: number) => string | undefined;
}

const BAD_CREDENTIALS = 'Invalid username or password';

/** RFC 3748 §4.2: an EAP Failure (code 4, length 4) answering the peer's packet, whose Identifier it repeats. */
function eapFailure(request: RadiusRequest): Buffer {
  return Buffer.of(4, rawAttribute(request, Attr.EapMessage)?.[1] ?? 0, 0, 4);
}

/** crypto.randomBytes fetched 4 KB at a time: one call per 512 session tags instead of one each. */
let tagRandom = Buffer.alloc(0);
let tagRandomOffset = 0;

/** Class (RFC 2865 §5.25) echoed by the NAS in accounting: an opaque tag tying the session to this login. */
function sessionTag(subscriberId: number): Buffer {
  if (tagRandomOffset + 8 > tagRandom.length) {
    tagRandom = randomBytes(4096);
    tagRandomOffset = 0;
  }
  const nonce = tagRandom.toString('hex', tagRandomOffset, (tagRandomOffset += 8));
  return Buffer.from(`rg1:${subscriberId}:${nonce}`);
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
    const workspace = config.workspaceById.get(nas.workspace);
    if (!workspace) return reject(`workspace ${nas.workspace} not configured`, 'Service unavailable');
    const subscriber = deps.directory.find(nas.workspace, user);
    if (!subscriber) return reject('unknown user', BAD_CREDENTIALS);

    const auth = authenticate(request, method, user, client.secret.bytes, subscriber);
    if (!auth.ok) return reject(auth.reason, BAD_CREDENTIALS, auth.attributes);

    const plan = config.planByName.get(subscriber.plan);
    const profile = selectProfile({
      status: subscriber.status,
      staticIp: subscriber.staticIp,
      plan,
      planName: subscriber.plan,
      workspace,
    });
    if (profile.kind === 'refuse') return reject(profile.reason, profile.message);
    if (plan && deps.sessionLimit) {
      const refused = deps.sessionLimit(subscriber.id, plan.maxSessions);
      if (refused) return reject(refused, `Already connected: at most ${plan.maxSessions} session(s) allowed for your plan`);
    }
    return {
      code: Code.AccessAccept,
      attributes: [...auth.attributes, ...profile.attributes, { name: 'Class', value: sessionTag(subscriber.id) }],
      log: { ...log, outcome: 'accept', profile: profile.kind, status: subscriber.status },
    };
  };
}

/**
 * The Access-Request handler alone (RFC 2865 §4.1): the example configuration, a fake subscriber directory and a
 * fake simultaneous-use check; requests are datagrams built by hand, framed and decoded as the server does. The
 * assertions are on the reply the handler decides: code, attributes by name and value, the reject delay.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { loadConfig, type Config, type NasConfig } from '../../src/config/index.js';
import { accessRequestHandler, explainAccess, type AccessRequestDeps } from '../../src/handlers/access-request.js';
import { METHOD_REPLY_ATTRIBUTES } from '../../src/radius/auth/authenticate.js';
import { createLogger } from '../../src/log.js';
import { challengeResponse, generateNtResponse, ntPasswordHash } from '../../src/radius/auth/mschap.js';
import type { Client } from '../../src/radius/clients.js';
import { Code } from '../../src/radius/codes.js';
import { VENDOR_MICROSOFT } from '../../src/radius/dictionary.js';
import type { ReplyAttribute } from '../../src/radius/encode.js';
import { decodeAttributes, parseFrame } from '../../src/radius/packet.js';
import type { HandlerContext, HandlerOutcome, HandlerResult } from '../../src/radius/server.js';
import type { AuthSubscriber } from '../../src/subscribers/directory.js';
import { EXAMPLE_CONFIG } from '../helpers/config.js';
import { accessRequest, attr, hide } from '../helpers/udp.js';
import { clientDefinitions } from '../../src/app.js';

const BAD_CREDENTIALS = 'Invalid username or password';
const SUPPORT = 'call 555-0100 or billing@isp.example';

let config: Config;
let nas: NasConfig;
let client: Client<NasConfig>;
const entries = new Map<string, AuthSubscriber>();
/** Subscribers whose open sessions the handler counted, in order. */
const sessionChecks: number[] = [];
/** Open sessions by subscriber, as the fake session tracker counts them. */
const connected = new Map<number, number>();

function subscriber(id: number, username: string, fields: Partial<AuthSubscriber> & { clear?: string | null } = {}): AuthSubscriber {
  const clear = fields.clear === undefined ? `${username}-pw` : fields.clear;
  const entry: AuthSubscriber = {
    id,
    workspaceId: 'default',
    username,
    accountNumber: `A${id}`,
    plan: 'home-10',
    status: 'active',
    staticIp: null,
    hasPassword: clear !== null,
    password: clear === null ? undefined : Buffer.from(clear),
    ntHash: ntPasswordHash(clear ?? `${username}-pw`),
    ...fields,
  };
  entries.set(`${entry.workspaceId}\u0000${username}`, entry);
  return entry;
}

const deps: AccessRequestDeps = {
  config: () => config,
  directory: { find: (workspaceId, username) => entries.get(`${workspaceId}\u0000${username}`) },
  openSessions: (subscriberId) => {
    sessionChecks.push(subscriberId);
    return connected.get(subscriberId) ?? 0;
  },
};

beforeAll(async () => {
  config = await loadConfig(EXAMPLE_CONFIG, {});
  nas = config.nas[0]!;
  client = { ...clientDefinitions(config)[0]!, learned: {} };
  subscriber(1, 'alice');
  subscriber(2, 'erin', { status: 'expired' });
  subscriber(3, 'sam', { status: 'suspended' });
  subscriber(4, 'dora', { status: 'disabled' });
  subscriber(5, 'stan', { staticIp: '100.64.9.9' });
  subscriber(6, 'nick', { clear: null }); // only the NT hash is stored
  subscriber(7, 'bea', { plan: 'business-50' });
  subscriber(8, 'gus', { status: 'grace' });
  subscriber(9, 'olga', { plan: 'no-such-plan' });
  subscriber(10, 'wanda', { workspaceId: 'elsewhere' });
});

/** Frame and decode a datagram as the server does, then hand it to the handler: a reply, or a drop and its reason. */
function outcome(packet: Buffer, nasData: NasConfig = nas): HandlerOutcome {
  const parsed = parseFrame(packet);
  if (!parsed.ok) throw new Error(parsed.reason);
  const context: HandlerContext<NasConfig> = {
    client: { ...client, data: nasData },
    port: 'auth',
    source: { address: '127.0.0.1', port: 40000 },
    frame: parsed.frame,
    receivedAt: 0,
    log: createLogger({ level: 'silent' }),
  };
  const result = accessRequestHandler(deps)(decodeAttributes(parsed.frame), context);
  if (result instanceof Promise) throw new Error('the Access-Request handler answers synchronously');
  return result;
}

/** The reply the handler decides (a test of a drop uses `outcome`). */
function handle(packet: Buffer, nasData: NasConfig = nas): HandlerResult | undefined {
  const result = outcome(packet, nasData);
  if (result && 'drop' in result) throw new Error(`dropped as ${result.drop}`);
  return result;
}

function pap(user: string | undefined, password: string | Buffer, extra: Buffer[] = []): Buffer {
  const authenticator = randomBytes(16);
  const attributes = [...(user === undefined ? [] : [attr(1, user)]), attr(2, hide(password, nas.secret, authenticator)), ...extra];
  return accessRequest({ secret: nas.secret, authenticator, attributes }).packet;
}

/** RFC 1994 §4.1 / RFC 2865 §2.2: CHAP-Password = ident ‖ MD5(ident ‖ password ‖ challenge), the challenge the authenticator. */
function chap(user: string, password: string): Buffer {
  const authenticator = randomBytes(16);
  const response = createHash('md5').update(Buffer.of(0x2a)).update(password).update(authenticator).digest();
  return accessRequest({ secret: nas.secret, authenticator, attributes: [attr(1, user), attr(3, Buffer.concat([Buffer.of(0x2a), response]))] }).packet;
}

function microsoft(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(VENDOR_MICROSOFT, 0);
  head[4] = type;
  head[5] = value.length + 2;
  return attr(26, Buffer.concat([head, value]));
}

/** RFC 2548 §2.3.2 / RFC 2759 §8.1: MS-CHAP-Challenge (11) and MS-CHAP2-Response (25). */
function mschap2(user: string, password: string): Buffer {
  const challenge = randomBytes(16);
  const peer = randomBytes(16);
  const nt = generateNtResponse(challenge, peer, user, ntPasswordHash(password));
  const response = Buffer.concat([Buffer.of(1, 0), peer, Buffer.alloc(8), nt]);
  return accessRequest({ secret: nas.secret, attributes: [attr(1, user), microsoft(11, challenge), microsoft(25, response)] }).packet;
}

/** Attributes as [name, value] pairs, vendor attributes prefixed with their vendor. */
function pairs(attributes: readonly ReplyAttribute[]): Array<[string, unknown]> {
  return attributes.map((a) => [a.vendor === undefined ? a.name : `${a.vendor}:${a.name}`, a.value]);
}

const withoutClass = (result: HandlerResult | undefined) => pairs(result!.attributes).filter(([name]) => name !== 'Class');

function sessionClass(result: HandlerResult | undefined): string {
  return (result!.attributes.find((a) => a.name === 'Class')!.value as Buffer).toString();
}

const HOME_10: Array<[string, unknown]> = [
  ['14988:Mikrotik-Rate-Limit', '2M/10M'],
  ['14988:Mikrotik-Group', 'home'],
  ['Session-Timeout', 86400],
  ['Idle-Timeout', 900],
  ['Acct-Interim-Interval', 300],
];

describe('credentials', () => {
  it('PAP with the right password: Access-Accept with the plan, its pool and a fresh Class tag', () => {
    const result = handle(pap('alice', 'alice-pw'));
    expect(result?.code).toBe(Code.AccessAccept);
    expect(result?.delayMs).toBeUndefined();
    expect(withoutClass(result)).toEqual([...HOME_10, ['Framed-Pool', 'pppoe-pool']]);
    expect(sessionClass(result)).toMatch(/^rg1:1:[0-9a-f]{16}$/);
    expect(sessionClass(handle(pap('alice', 'alice-pw')))).not.toBe(sessionClass(result));
    expect(result?.log).toEqual({ user: 'alice', method: 'pap', code: 'Access-Request', outcome: 'accept', profile: 'plan', status: 'active' });
  });

  it('a wrong password and an unknown user get the same reply, delayed by reject_delay', () => {
    const wrong = handle(pap('alice', 'not-it'));
    const unknown = handle(pap('mallory', 'whatever'));
    for (const result of [wrong, unknown]) {
      expect(result?.code).toBe(Code.AccessReject);
      expect(pairs(result!.attributes)).toEqual([['Reply-Message', BAD_CREDENTIALS]]);
      expect(result?.delayMs).toBe(config.server.rejectDelaySeconds * 1000);
      expect(result?.delayMs).toBe(1000);
    }
    expect(wrong?.log).toMatchObject({ outcome: 'reject', reason: 'wrong password', method: 'pap' });
    expect(unknown?.log).toMatchObject({ outcome: 'reject', reason: 'unknown user' });
  });

  it('no User-Name: the same reply', () => {
    const result = handle(pap(undefined, 'alice-pw'));
    expect(result?.code).toBe(Code.AccessReject);
    expect(pairs(result!.attributes)).toEqual([['Reply-Message', BAD_CREDENTIALS]]);
    expect(result?.log).toMatchObject({ reason: 'no User-Name' });
  });

  it('PAP against an NT hash only: accepted with the right password, refused with another', () => {
    expect(handle(pap('nick', 'nick-pw'))?.code).toBe(Code.AccessAccept);
    expect(handle(pap('nick', 'nick-px'))?.code).toBe(Code.AccessReject);
  });

  it('PAP decides by the NT hash, yet bytes that are not UTF-8 never pass for the password they decode to', () => {
    // 'ok\uFFFD' is what the bytes 6F 6B FF decode to: their NT hashes are equal, the passwords are not.
    subscriber(40, 'replacement', { clear: 'ok\uFFFD' });
    expect(handle(pap('replacement', 'ok\uFFFD'))?.code).toBe(Code.AccessAccept);
    expect(handle(pap('replacement', Buffer.from([0x6f, 0x6b, 0xff])))?.code).toBe(Code.AccessReject);
  });

  it('CHAP (RFC 2865 §2.2): accepted with the clear password; refused when only an NT hash is stored', () => {
    const ok = handle(chap('alice', 'alice-pw'));
    expect(ok?.code).toBe(Code.AccessAccept);
    expect(ok?.log).toMatchObject({ method: 'chap', outcome: 'accept' });
    expect(handle(chap('alice', 'alice-px'))?.log).toMatchObject({ method: 'chap', reason: 'wrong password' });
    const hashOnly = handle(chap('nick', 'nick-pw'));
    expect(hashOnly?.code).toBe(Code.AccessReject);
    expect(pairs(hashOnly!.attributes)).toEqual([['Reply-Message', BAD_CREDENTIALS]]);
    expect(hashOnly?.log).toMatchObject({ reason: 'CHAP needs the clear password; only an NT hash is stored' });
  });

  it('MS-CHAPv2 (RFC 2759): MS-CHAP2-Success and MPPE keys before the plan; a wrong password gets MS-CHAP-Error', () => {
    const ok = handle(mschap2('alice', 'alice-pw'));
    expect(ok?.code).toBe(Code.AccessAccept);
    expect(ok?.log).toMatchObject({ method: 'mschap2', outcome: 'accept' });
    expect(withoutClass(ok).map(([name]) => name)).toEqual([
      '311:MS-CHAP2-Success',
      '311:MS-MPPE-Send-Key',
      '311:MS-MPPE-Recv-Key',
      '311:MS-MPPE-Encryption-Policy',
      '311:MS-MPPE-Encryption-Types',
      ...HOME_10.map(([name]) => name),
      'Framed-Pool',
    ]);
    // The names explain reports for MS-CHAPv2 (METHOD_REPLY_ATTRIBUTES) are the ones the handler sends.
    expect(withoutClass(ok).slice(0, 5).map(([name]) => name.replace(/^311:/, ''))).toEqual(METHOD_REPLY_ATTRIBUTES.mschap2);
    // RFC 2759 §5: "S=" and 40 hex digits, after the ident byte.
    expect((ok!.attributes[0]!.value as Buffer).subarray(1).toString()).toMatch(/^S=[0-9A-F]{40}$/);
    const wrong = handle(mschap2('alice', 'alice-px'));
    expect(wrong?.code).toBe(Code.AccessReject);
    expect(pairs(wrong!.attributes).map(([name]) => name)).toEqual(['311:MS-CHAP-Error', 'Reply-Message']);
    expect(pairs(wrong!.attributes)[1]).toEqual(['Reply-Message', BAD_CREDENTIALS]);
  });

  it('both User-Password and CHAP-Password (RFC 2865 §5.2, §5.3): dropped as conflicting-credentials', () => {
    expect(outcome(pap('alice', 'alice-pw', [attr(3, Buffer.alloc(17))]))).toEqual({ drop: 'conflicting-credentials' });
  });

  it('no credentials at all: the shared message', () => {
    const result = handle(accessRequest({ secret: nas.secret, attributes: [attr(1, 'alice')] }).packet);
    expect(result?.code).toBe(Code.AccessReject);
    expect(pairs(result!.attributes)).toEqual([['Reply-Message', BAD_CREDENTIALS]]);
    expect(result?.log).toMatchObject({ method: undefined, reason: 'no credentials (User-Password, CHAP-Password or MS-CHAP)' });
  });
});

describe('EAP: radgate does not do it (RFC 3579)', () => {
  /** EAP-Message (79) carrying an EAP-Response/Identity (RFC 3748 §5.1) with the given Identifier. */
  const eapIdentity = (identifier: number) => attr(79, Buffer.from([2, identifier, 0, 10, 1, ...Buffer.from('alice')]));

  it('EAP-Message: Access-Reject with EAP-Failure for the peer’s Identifier and no Reply-Message (§3.1, §2.6.5)', () => {
    const result = handle(accessRequest({ secret: nas.secret, attributes: [attr(1, 'alice'), eapIdentity(0x2b)] }).packet);
    expect(result?.code).toBe(Code.AccessReject);
    // RFC 3748 §4.2: EAP Failure = code 4, the Identifier of the Response it answers, length 4.
    expect(pairs(result!.attributes)).toEqual([['EAP-Message', Buffer.from([4, 0x2b, 0, 4])]]);
    expect(result?.delayMs).toBe(config.server.rejectDelaySeconds * 1000);
    expect(result?.log).toMatchObject({ outcome: 'reject', reason: 'EAP not supported' });
  });

  it('an unknown user is refused the same way: EAP is refused before any subscriber is looked up', () => {
    const result = handle(accessRequest({ secret: nas.secret, attributes: [attr(1, 'nobody'), eapIdentity(1)] }).packet);
    expect(pairs(result!.attributes)).toEqual([['EAP-Message', Buffer.from([4, 1, 0, 4])]]);
  });

  it('EAP-Message beside User-Password or CHAP-Password (RFC 3579 §3.3 note 1): dropped, never accepted', () => {
    expect(outcome(pap('alice', 'alice-pw', [eapIdentity(2)]))).toEqual({ drop: 'conflicting-credentials' });
    const chapAndEap = accessRequest({ secret: nas.secret, attributes: [attr(1, 'alice'), attr(3, Buffer.alloc(17)), eapIdentity(3)] });
    expect(outcome(chapAndEap.packet)).toEqual({ drop: 'conflicting-credentials' });
  });
});

describe('the subscriber status decides the profile', () => {
  it('expired: Access-Accept with the workspace’s expired profile instead of the plan', () => {
    const result = handle(pap('erin', 'erin-pw'));
    expect(result?.code).toBe(Code.AccessAccept);
    expect(withoutClass(result)).toEqual([
      ['14988:Mikrotik-Group', 'expired'],
      ['14988:Mikrotik-Address-List', 'radgate-unpaid'],
      ['14988:Mikrotik-Rate-Limit', '256k/256k'],
      ['Acct-Interim-Interval', 300],
    ]);
    expect(sessionClass(result)).toMatch(/^rg1:2:/);
    expect(result?.log).toMatchObject({ outcome: 'accept', profile: 'expired', status: 'expired' });
  });

  it('suspended and disabled: refused with a message that says so, delayed', () => {
    const suspended = handle(pap('sam', 'sam-pw'));
    expect(suspended?.code).toBe(Code.AccessReject);
    expect(pairs(suspended!.attributes)).toEqual([['Reply-Message', `Your account is suspended for non-payment — ${SUPPORT}`]]);
    expect(suspended?.delayMs).toBe(1000);
    expect(suspended?.log).toMatchObject({ reason: 'suspended' });
    const disabled = handle(pap('dora', 'dora-pw'));
    expect(pairs(disabled!.attributes)).toEqual([['Reply-Message', `Your account is disabled — ${SUPPORT}`]]);
  });

  it('a wrong password of a suspended subscriber gets the credentials message, not the status', () => {
    expect(pairs(handle(pap('sam', 'nope'))!.attributes)).toEqual([['Reply-Message', BAD_CREDENTIALS]]);
  });

  it('grace keeps the plan; a static IP replaces the pool', () => {
    expect(withoutClass(handle(pap('gus', 'gus-pw')))).toEqual([...HOME_10, ['Framed-Pool', 'pppoe-pool']]);
    expect(withoutClass(handle(pap('stan', 'stan-pw')))).toEqual([...HOME_10, ['Framed-IP-Address', '100.64.9.9']]);
  });

  it('a plan that is not configured, a workspace that is not: refused', () => {
    const noPlan = handle(pap('olga', 'olga-pw'));
    expect(noPlan?.code).toBe(Code.AccessReject);
    expect(pairs(noPlan!.attributes)).toEqual([['Reply-Message', `Service plan unavailable — ${SUPPORT}`]]);
    const noWorkspace = handle(pap('wanda', 'wanda-pw'), { ...nas, workspace: 'elsewhere' });
    expect(pairs(noWorkspace!.attributes)).toEqual([['Reply-Message', 'Service unavailable']]);
  });
});

describe('simultaneous use (plans.yaml max_sessions)', () => {
  it('counts the open sessions; refuses with the limit in the message when the plan’s limit is reached', () => {
    sessionChecks.length = 0;
    expect(handle(pap('alice', 'alice-pw'))?.code).toBe(Code.AccessAccept);
    expect(handle(pap('bea', 'bea-pw'))?.code).toBe(Code.AccessAccept);
    expect(sessionChecks).toEqual([1, 7]);

    connected.set(1, 1).set(7, 1);
    const alice = handle(pap('alice', 'alice-pw'));
    expect(alice?.code).toBe(Code.AccessReject);
    expect(pairs(alice!.attributes)).toEqual([['Reply-Message', 'Already connected: at most 1 session(s) allowed for your plan']]);
    expect(alice?.log).toMatchObject({ reason: 'simultaneous-use: 1 open session(s), plan allows 1' });
    // business-50 allows 2: one open session still lets a second in, two do not.
    expect(handle(pap('bea', 'bea-pw'))?.code).toBe(Code.AccessAccept);
    connected.set(7, 2);
    expect(pairs(handle(pap('bea', 'bea-pw'))!.attributes)).toEqual([['Reply-Message', 'Already connected: at most 2 session(s) allowed for your plan']]);
    connected.clear();
  });

  it('is not asked for a refused or wrongly authenticated subscriber', () => {
    sessionChecks.length = 0;
    handle(pap('alice', 'wrong'));
    handle(pap('sam', 'sam-pw'));
    expect(sessionChecks).toEqual([]);
  });
});

describe('MS-CHAPv1 (RFC 2433)', () => {
  /** RFC 2548 §2.3.1: MS-CHAP-Response = ident ‖ flags 1 (use the NT response) ‖ LM-Response[24] ‖ NT-Response[24]. */
  function mschap1(user: string, password: string): Buffer {
    const challenge = randomBytes(8);
    const response = Buffer.concat([Buffer.of(1, 1), Buffer.alloc(24), challengeResponse(challenge, ntPasswordHash(password))]);
    return accessRequest({ secret: nas.secret, attributes: [attr(1, user), microsoft(11, challenge), microsoft(1, response)] }).packet;
  }

  it('the method’s attributes come first, named as METHOD_REPLY_ATTRIBUTES says', () => {
    const ok = handle(mschap1('nick', 'nick-pw'));
    expect(ok?.code).toBe(Code.AccessAccept);
    expect(withoutClass(ok).slice(0, 3).map(([name]) => name.replace(/^311:/, ''))).toEqual(METHOD_REPLY_ATTRIBUTES.mschap1);
    expect(withoutClass(ok).slice(3)).toEqual([...HOME_10, ['Framed-Pool', 'pppoe-pool']]);
  });
});

describe('explainAccess: the handler’s steps without a request', () => {
  const explain = (user: string, method: Parameters<typeof explainAccess>[3] = 'pap', nasData: NasConfig = nas) =>
    explainAccess(deps, nasData, user, method);

  /** The explanation's attributes in the handler's [name, value] form (vendor prefixed), Class left out. */
  function fixed(user: string): Array<[string, unknown]> {
    return explain(user).attributes.flatMap((a): Array<[string, unknown]> => {
      if (a.varies !== 'no') return [];
      const vendor = a.name.startsWith('Mikrotik-') ? '14988:' : '';
      return [[vendor + a.name, a.value]];
    });
  }

  it('agrees with the handler for every fixture subscriber: code, attributes, Class prefix, refusal', () => {
    for (const user of ['alice', 'erin', 'sam', 'dora', 'stan', 'nick', 'bea', 'gus', 'olga', 'mallory']) {
      for (const sessions of [0, 1, 2]) {
        connected.set(1, sessions).set(7, sessions).set(2, sessions);
        const real = handle(pap(user, `${user}-pw`))!;
        const e = explain(user);
        expect(e.code, `${user}, ${sessions} open`).toBe(real.code === Code.AccessAccept ? 'Access-Accept' : 'Access-Reject');
        if (real.code === Code.AccessAccept) {
          expect(fixed(user)).toEqual(withoutClass(real));
          const tag = e.attributes.at(-1)!;
          expect(tag).toMatchObject({ varies: 'random', name: 'Class', randomHexDigits: 16 });
          if (tag.varies !== 'random') throw new Error('Class is random');
          expect(sessionClass(real).startsWith(tag.prefix)).toBe(true);
          expect(sessionClass(real).slice(tag.prefix.length)).toMatch(/^[0-9a-f]{16}$/);
          expect(e.rejectDelaySeconds).toBeUndefined();
        } else {
          expect(e.attributes).toEqual([{ varies: 'no', name: 'Reply-Message', value: pairs(real.attributes)[0]![1] }]);
          expect(e.reason).toBe(real.log.reason);
          expect(e.rejectDelaySeconds).toBe(config.server.rejectDelaySeconds);
        }
      }
    }
    connected.clear();
  });

  it('reports the simultaneous-use count against the plan’s limit', () => {
    connected.set(7, 1);
    expect(explain('bea').decision).toMatchObject({ outcome: 'accept', sessions: { open: 1, limit: 2 } });
    connected.set(7, 2);
    expect(explain('bea')).toMatchObject({ code: 'Access-Reject', reason: 'simultaneous-use: 2 open session(s), plan allows 2', decision: { profile: 'plan', sessions: { open: 2, limit: 2 } } });
    connected.clear();
    // A refused status is not counted at all, as at login.
    expect(explain('sam').decision).toMatchObject({ outcome: 'reject', profile: 'refuse', sessions: undefined });
  });

  it('a NAS of another workspace does not find the user: Reject, as the server would', () => {
    // wanda lives in workspace `elsewhere`; the NAS serves `default`, where no wanda exists.
    expect(explain('wanda')).toMatchObject({ code: 'Access-Reject', reason: 'unknown user', subscriber: undefined, credential: undefined });
    const other = { ...nas, name: 'other', workspace: 'elsewhere' };
    expect(explain('wanda', 'pap', other)).toMatchObject({ code: 'Access-Reject', reason: 'workspace elsewhere not configured', subscriber: undefined });
    expect(explain('alice')).toMatchObject({ code: 'Access-Accept', subscriber: { id: 1, workspaceId: 'default', username: 'alice' } });
  });

  it('credentials: the method and whether what is stored can verify it', () => {
    expect(explain('nick', 'chap')).toMatchObject({
      code: 'Access-Reject',
      reason: 'CHAP needs the clear password; only an NT hash is stored',
      credential: { method: 'chap', stored: 'nt-hash', usableMethods: ['pap', 'mschap1', 'mschap2'] },
      attributes: [{ varies: 'no', name: 'Reply-Message', value: BAD_CREDENTIALS }],
    });
    expect(explain('alice', 'chap').credential).toMatchObject({ stored: 'password', unusable: undefined, usableMethods: ['pap', 'chap', 'mschap1', 'mschap2'] });
    const v2 = explain('nick', 'mschap2');
    expect(v2.code).toBe('Access-Accept');
    expect(v2.attributes.slice(0, 5)).toEqual(METHOD_REPLY_ATTRIBUTES.mschap2.map((name) => ({ varies: 'request', name })));
  });

  it('never carries a password or an NT hash', () => {
    for (const user of ['alice', 'nick']) {
      for (const method of ['pap', 'chap', 'mschap2'] as const) {
        const text = JSON.stringify(explain(user, method), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
        expect(text).not.toContain(`${user}-pw`);
        expect(text).not.toContain(ntPasswordHash(`${user}-pw`).toString('hex'));
        expect(text).not.toContain('ntHash');
      }
    }
  });
});

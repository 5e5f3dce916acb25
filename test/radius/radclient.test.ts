/**
 * radclient (Debian freeradius-utils, a real RADIUS client) against a running radgate: every authentication method,
 * every status, Status-Server and retransmissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscribers } from '../helpers/subscribers.js';

let t: TestRadgate;
let auth: number;
let acct: number;

// RFC 2759 §9.2: user "User", password "clientPass".
const MSCHAP2_CHALLENGE = '0x5b5d7c7d7b3f2f3e3c2c602132262628';
const MSCHAP2_RESPONSE = '0x0100' + '21402324255e262a28295f2b3a337c7e' + '0000000000000000' + '82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df';

beforeAll(async () => {
  t = await startTestRadgate();
  ({ auth, acct } = t.radgate.ports);
  await addSubscribers(t, [
    { username: 'bob', password: 'hello' },
    { username: 'User', password: 'clientPass' },
    { username: 'eve', password: 'unpaid-pass', status: 'expired' },
    { username: 'sam', password: 'suspended-pass', status: 'suspended' },
    { username: 'dan', password: 'disabled-pass', status: 'disabled' },
    { username: 'ivy', password: 'static-pass', staticIp: '100.64.1.10' },
    { username: 'nth', ntHash: '8846f7eaee8fb117ad06bdd830b7586c' }, // "password"
  ]);
});

afterAll(async () => {
  await t?.stop();
});

describe('Access-Request through radclient', () => {
  it('PAP: an active subscriber gets the plan', async () => {
    const r = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", User-Password = "hello", Message-Authenticator = 0x00' });
    expect(r.code).toBe('Access-Accept');
    expect(r.exitCode).toBe(0);
    expect(r.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    expect(r.attributes['Framed-Pool']).toEqual(['pppoe-pool']);
    expect(r.attributes['Mikrotik-Group']).toEqual(['home']);
    expect(r.attributes['Session-Timeout']).toEqual(['86400']);
    expect(r.attributes['Idle-Timeout']).toEqual(['900']);
    expect(r.attributes['Acct-Interim-Interval']).toEqual(['300']);
    expect(r.attributes['Class']?.[0]).toMatch(/^0x/);
    expect(r.attributes['Message-Authenticator']).toBeDefined();
  });

  it('PAP: a static IP replaces the pool', async () => {
    const r = await radclient({ port: auth, type: 'auth', input: 'User-Name = "ivy", User-Password = "static-pass", Message-Authenticator = 0x00' });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Framed-IP-Address']).toEqual(['100.64.1.10']);
    expect(r.attributes['Framed-Pool']).toBeUndefined();
  });

  it('CHAP (challenge = Request Authenticator, and with CHAP-Challenge)', async () => {
    const plain = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", CHAP-Password = "hello", Message-Authenticator = 0x00' });
    expect(plain.code).toBe('Access-Accept');
    const withChallenge = await radclient({
      port: auth,
      type: 'auth',
      input: 'User-Name = "bob", CHAP-Password = "hello", CHAP-Challenge = 0x0102030405060708090a0b0c0d0e0f1011, Message-Authenticator = 0x00',
    });
    expect(withChallenge.code).toBe('Access-Accept');
    const wrong = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", CHAP-Password = "nope", Message-Authenticator = 0x00' });
    expect(wrong.code).toBe('Access-Reject');
  });

  it('CHAP is refused with a clear reason when only an NT hash is stored; PAP works', async () => {
    const chap = await radclient({ port: auth, type: 'auth', input: 'User-Name = "nth", CHAP-Password = "password", Message-Authenticator = 0x00' });
    expect(chap.code).toBe('Access-Reject');
    expect(t.logs.some((l) => l.user === 'nth' && String(l.reason).includes('only an NT hash'))).toBe(true);
    const pap = await radclient({ port: auth, type: 'auth', input: 'User-Name = "nth", User-Password = "password", Message-Authenticator = 0x00' });
    expect(pap.code).toBe('Access-Accept');
  });

  it('MS-CHAPv1 (radclient computes it) gets MS-CHAP-MPPE-Keys', async () => {
    const r = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", MS-CHAP-Password = "hello", Message-Authenticator = 0x00' });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['MS-CHAP-MPPE-Keys']).toBeDefined();
    const wrong = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", MS-CHAP-Password = "nope", Message-Authenticator = 0x00' });
    expect(wrong.code).toBe('Access-Reject');
    expect(wrong.attributes['MS-CHAP-Error']?.[0]).toContain('E=691');
  });

  it('MS-CHAPv2 with the RFC 2759 §9.2 exchange: MS-CHAP2-Success and the RFC 3079 §3.5 MPPE keys', async () => {
    const r = await radclient({
      port: auth,
      type: 'auth',
      input: `User-Name = "User", MS-CHAP-Challenge = ${MSCHAP2_CHALLENGE}, MS-CHAP2-Response = ${MSCHAP2_RESPONSE}, Message-Authenticator = 0x00`,
    });
    expect(r.code).toBe('Access-Accept');
    // ident 0x01 ‖ "S=407A5589115FD0D6209F510FE9C04566932CDA56"
    expect(r.attributes['MS-CHAP2-Success']).toEqual(['0x01' + Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56').toString('hex')]);
    // radclient decrypts RFC 2548 keys with the shared secret: these are the server's RFC 3079 §3.5 keys.
    expect(r.attributes['MS-MPPE-Send-Key']).toEqual(['0x8b7cdc149b993a1ba118cb153f56dccb']);
    expect(r.attributes['MS-MPPE-Recv-Key']).toEqual(['0xd5f0e9521e3ea9589645e86051c82226']);
  });

  it('MS-CHAPv2 with a wrong password: Access-Reject with MS-CHAP-Error E=691', async () => {
    const r = await radclient({
      port: auth,
      type: 'auth',
      input: `User-Name = "bob", MS-CHAP-Challenge = ${MSCHAP2_CHALLENGE}, MS-CHAP2-Response = ${MSCHAP2_RESPONSE}, Message-Authenticator = 0x00`,
    });
    expect(r.code).toBe('Access-Reject');
    expect(r.exitCode).toBe(1);
    expect(r.attributes['MS-CHAP-Error']?.[0]).toMatch(/E=691 R=0 C=[0-9A-F]{32} V=3/);
  });

  it('wrong password and unknown user: Access-Reject with the same message, different logged reasons', async () => {
    const wrong = await radclient({ port: auth, type: 'auth', input: 'User-Name = "bob", User-Password = "wrong", Message-Authenticator = 0x00' });
    const unknown = await radclient({ port: auth, type: 'auth', input: 'User-Name = "nobody", User-Password = "x", Message-Authenticator = 0x00' });
    expect(wrong.code).toBe('Access-Reject');
    expect(unknown.code).toBe('Access-Reject');
    expect(wrong.attributes['Reply-Message']).toEqual(unknown.attributes['Reply-Message']);
    expect(t.logs.some((l) => l.user === 'bob' && l.reason === 'wrong password')).toBe(true);
    expect(t.logs.some((l) => l.user === 'nobody' && l.reason === 'unknown user')).toBe(true);
  });

  it('expired subscriber: Accept with the workspace expired profile', async () => {
    const r = await radclient({ port: auth, type: 'auth', input: 'User-Name = "eve", User-Password = "unpaid-pass", Message-Authenticator = 0x00' });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Mikrotik-Group']).toEqual(['expired']);
    expect(r.attributes['Mikrotik-Address-List']).toEqual(['radgate-unpaid']);
    expect(r.attributes['Mikrotik-Rate-Limit']).toEqual(['256k/256k']);
  });

  it('suspended and disabled: Reject telling the truth', async () => {
    const s = await radclient({ port: auth, type: 'auth', input: 'User-Name = "sam", User-Password = "suspended-pass", Message-Authenticator = 0x00' });
    expect(s.code).toBe('Access-Reject');
    expect(s.attributes['Reply-Message']?.[0]).toMatch(/suspended/);
    const d = await radclient({ port: auth, type: 'auth', input: 'User-Name = "dan", User-Password = "disabled-pass", Message-Authenticator = 0x00' });
    expect(d.code).toBe('Access-Reject');
    expect(d.attributes['Reply-Message']?.[0]).toMatch(/disabled/);
  });

  it('Status-Server on both ports', async () => {
    const a = await radclient({ port: auth, type: 'status', input: 'Message-Authenticator = 0x00' });
    expect(a.code).toBe('Access-Accept');
    const b = await radclient({ port: acct, type: 'status', input: 'Message-Authenticator = 0x00' });
    expect(b.code).toBe('Accounting-Response');
  });

  it('a wrong shared secret gets no answer', async () => {
    const r = await radclient({ port: auth, type: 'auth', secret: 'not-the-secret', input: 'User-Name = "bob", User-Password = "hello", Message-Authenticator = 0x00' });
    expect(r.code).toBeUndefined();
    expect(r.exitCode).not.toBe(0);
  });

  it('passwords and secrets never reach the log', () => {
    const log = t.rawLog();
    for (const secret of ['hello', 'clientPass', 'unpaid-pass', 'testing123', 'static-pass']) expect(log).not.toContain(secret);
  });
});

/**
 * Reply encoding against the `radius` package as the reference (RFC 2865 §3, §5, §5.26; RFC 3579 §3.2): radgate
 * assembles replies itself and asks the codec only once per distinct attribute, so every kind of attribute a reply
 * carries must come out byte for byte as the codec encodes it, with Message-Authenticator first and both
 * signatures computed independently here.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selectProfile } from '../../src/profile/reply-profile.js';
import { loadConfig } from '../../src/config/index.js';
import { CODE_NAMES } from '../../src/radius/codes.js';
import { radiusCodec, VENDOR_MICROSOFT, type AttributeList } from '../../src/radius/dictionary.js';
import { encodeHashedRequest, encodeResponse, makeSecret, type ReplyAttribute } from '../../src/radius/encode.js';
import { EXAMPLE_CONFIG } from '../helpers/config.js';

const SECRET = makeSecret('testing123');
const AUTHENTICATOR = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function codecList(attributes: readonly ReplyAttribute[]): AttributeList {
  return attributes.map((a): AttributeList[number] =>
    a.vendor === undefined ? [a.name, a.value] : ['Vendor-Specific', a.vendor, [[a.name, a.value]]],
  );
}

/** The codec's bytes, then MA (HMAC-MD5 with the Request Authenticator in place) and the Response Authenticator. */
function referenceResponse(code: number, attributes: readonly ReplyAttribute[], proxyStates: Buffer[], ma: boolean): Buffer {
  const list: AttributeList = [...(ma ? [['Message-Authenticator', Buffer.alloc(16)] as [string, Buffer]] : []), ...codecList(attributes)];
  for (const state of proxyStates) list.push(['Proxy-State', state]);
  const packet = radiusCodec().encode({
    code: CODE_NAMES[code]!,
    identifier: 42,
    authenticator: AUTHENTICATOR,
    attributes: list,
    secret: SECRET.text,
    add_message_authenticator: false,
  });
  const out = Buffer.from(packet);
  AUTHENTICATOR.copy(out, 4);
  if (ma) createHmac('md5', SECRET.bytes).update(out.fill(0, 22, 38)).digest().copy(out, 22);
  createHash('md5').update(out).update(SECRET.bytes).digest().copy(out, 4);
  return out;
}

/** RFC 5176 §2.3, docs/radius-protocol.md §12: MA with a zero authenticator, then authenticator = MD5(… ‖ secret). */
function referenceHashedRequest(code: number, attributes: readonly ReplyAttribute[]): Buffer {
  const packet = radiusCodec().encode({
    code: CODE_NAMES[code]!,
    identifier: 7,
    authenticator: Buffer.alloc(16),
    attributes: [['Message-Authenticator', Buffer.alloc(16)], ...codecList(attributes)],
    secret: SECRET.text,
    add_message_authenticator: false,
  });
  const out = Buffer.from(packet).fill(0, 4, 20);
  createHmac('md5', SECRET.bytes).update(out.fill(0, 22, 38)).digest().copy(out, 22);
  createHash('md5').update(out).update(SECRET.bytes).digest().copy(out, 4);
  return out;
}

function response(code: number, attributes: readonly ReplyAttribute[], proxyStates: Buffer[] = [], ma = true): Buffer {
  return encodeResponse({
    code,
    request: { identifier: 42, authenticator: AUTHENTICATOR, proxyStates },
    attributes,
    secret: SECRET,
    messageAuthenticator: ma,
  });
}

const ms = (name: string, value: Buffer | number): ReplyAttribute => ({ name, value, vendor: VENDOR_MICROSOFT });

describe('encodeResponse gives the bytes the radius codec gives', () => {
  it('Access-Accept for every plan and status of the example config, with and without a static IP', async () => {
    const config = await loadConfig(EXAMPLE_CONFIG, {});
    const workspace = config.workspaces[0]!;
    let compared = 0;
    for (const plan of config.plans) {
      for (const status of ['active', 'expired', 'grace'] as const) {
        for (const staticIp of [null, '100.64.1.2']) {
          const profile = selectProfile({ status, staticIp, plan, planName: plan.name, workspace });
          if (profile.kind === 'refuse') continue;
          const attributes = [...profile.attributes, { name: 'Class', value: Buffer.from('rg1:7:0011223344556677') }];
          // Twice: the second time the frozen plan attributes come from the encoder's cache.
          for (let round = 0; round < 2; round++) expect(response(2, attributes).equals(referenceResponse(2, attributes, [], true))).toBe(true);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(config.plans.length * 4);
  });

  it('MS-CHAPv2 Accept attributes, Proxy-States echoed in order', () => {
    const attributes: ReplyAttribute[] = [
      ms('MS-CHAP2-Success', Buffer.concat([Buffer.of(1), Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56')])),
      ms('MS-MPPE-Send-Key', Buffer.alloc(34, 0x81)),
      ms('MS-MPPE-Recv-Key', Buffer.alloc(34, 0x92)),
      Object.freeze(ms('MS-MPPE-Encryption-Policy', 1)),
      Object.freeze(ms('MS-MPPE-Encryption-Types', 6)),
      { name: 'Mikrotik-Rate-Limit', value: '2M/10M', vendor: 14988 },
    ];
    const states = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(253, 7)];
    expect(response(2, attributes, states).equals(referenceResponse(2, attributes, states, true))).toBe(true);
  });

  it('every value type: text (UTF-8), empty text, integer by number and by dictionary name, ipaddr, octets', () => {
    const attributes: ReplyAttribute[] = [
      { name: 'Reply-Message', value: 'Your account is suspended — call 555-0100' },
      { name: 'Filter-Id', value: '' },
      { name: 'Service-Type', value: 'Framed-User' },
      { name: 'Framed-Protocol', value: 1 },
      { name: 'Session-Timeout', value: 4294967295 },
      { name: 'Framed-IP-Address', value: '10.0.0.1' },
      { name: 'State', value: Buffer.from('abc') },
      { name: 'Mikrotik-Address-List', value: 'expired', vendor: 14988 },
    ];
    for (const code of [2, 3, 11]) expect(response(code, attributes).equals(referenceResponse(code, attributes, [], true))).toBe(true);
    // Accounting-Response: no Message-Authenticator required, Proxy-State still echoed.
    expect(response(5, [], [Buffer.from('ps')], false).equals(referenceResponse(5, [], [Buffer.from('ps')], false))).toBe(true);
  });

  it('the value cache never mixes up attributes that differ only in value', () => {
    const a = response(3, [{ name: 'Reply-Message', value: 'one' }]);
    const b = response(3, [{ name: 'Reply-Message', value: 'two' }]);
    const c = response(3, [{ name: 'Reply-Message', value: 'one' }]);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(c)).toBe(true);
    expect(response(2, [{ name: 'Session-Timeout', value: 60 }]).equals(response(2, [{ name: 'Idle-Timeout', value: 60 }]))).toBe(false);
  });

  it('refuses what does not fit: a value over 253 bytes, a vendor value over 247, a packet over 4096 bytes', () => {
    expect(() => response(2, [{ name: 'Class', value: Buffer.alloc(254) }])).toThrow(RangeError);
    expect(() => response(2, [ms('MS-CHAP2-Success', Buffer.alloc(248))])).toThrow(RangeError);
    expect(() => response(2, Array.from({ length: 20 }, () => ({ name: 'Class', value: Buffer.alloc(253) })))).toThrow(RangeError);
    expect(response(2, [{ name: 'Class', value: Buffer.alloc(253) }]).length).toBe(20 + 18 + 255);
  });
});

describe('encodeHashedRequest gives the bytes the radius codec gives', () => {
  it('CoA-Request and Disconnect-Request with Event-Timestamp as a Date', () => {
    const attributes: ReplyAttribute[] = [
      { name: 'User-Name', value: 'alice' },
      { name: 'Acct-Session-Id', value: '81a00003' },
      { name: 'Framed-IP-Address', value: '100.64.0.9' },
      { name: 'Event-Timestamp', value: new Date('2025-01-22T10:00:00Z') },
      { name: 'Mikrotik-Group', value: 'expired', vendor: 14988 },
    ];
    for (const code of [40, 43]) {
      const packet = encodeHashedRequest({ code, identifier: 7, attributes, secret: SECRET, messageAuthenticator: true });
      expect(packet.equals(referenceHashedRequest(code, attributes))).toBe(true);
    }
  });
});

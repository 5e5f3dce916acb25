/**
 * In-process decoder fuzz (like mqtt-packet's fuzz run; docs/radius-protocol.md §2): 100,000 seeded random and mutated
 * datagrams through exactly what the server does to a datagram before and after its handler, without a socket and
 * without dist/: parseFrame (RFC 2865 §3 framing), screenRequest (port, authenticity, BlastRADIUS policy),
 * decodeAttributes (caught, as the server catches it), the handler for the code (fake directory and session store),
 * encodeResponse of what the handler decided.
 *
 * Asserted for every datagram: nothing throws where the server does not catch; framing accepts exactly what an
 * independent check written from the RFCs calls well framed (so every invalid length is rejected); authenticity is
 * accepted exactly when node:crypto computed here agrees; an accepted packet's attributes re-encode to its bytes,
 * and the reply to it frames, echoes its Proxy-States in order and verifies; the session record an Accounting-Request
 * becomes holds its text attributes — random bytes, NUL, controls, invalid UTF-8 — as docs/radius-protocol.md §16
 * says (identifiers verbatim or hex, text valid UTF-8 without control characters). test/radius/fuzz.test.ts does the
 * same against a spawned radgate process, test/sessions/accounting-fuzz.test.ts into a database.
 * Deterministic: the datagrams of test/helpers/radius-datagrams.ts (the bench's seeded PRNG, mulberry32); FUZZ_SEED and
 * FUZZ_DATAGRAMS override.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config, type NasConfig } from '../../src/config/index.js';
import { createHandlers } from '../../src/handlers/index.js';
import { createLogger } from '../../src/log.js';
import { generateNtResponse, ntPasswordHash } from '../../src/radius/auth/mschap.js';
import { ClientRegistry, type Client } from '../../src/radius/clients.js';
import { Code } from '../../src/radius/codes.js';
import { encodeResponse, makeSecret } from '../../src/radius/encode.js';
import { decodeAttributes, parseFrame, type RadiusRequest } from '../../src/radius/packet.js';
import { screenRequest, type HandlerContext, type HandlerOutcome, type Port } from '../../src/radius/server.js';
import type { AccountingRecord } from '../../src/sessions/writer.js';
import type { AuthSubscriber } from '../../src/subscribers/directory.js';
import { EXAMPLE_CONFIG } from '../helpers/config.js';
import {
  attr, attributesOf, lengthsValid, MA_ZERO, messageAuthenticatorValid, packet, PORT_CODES, printableText, radiusDatagrams,
  requestAuthenticatorValid, responseAuthenticatorValid, sign, storableText, storedIdentifier, vsa,
} from '../helpers/radius-datagrams.js';

const DATAGRAMS = Number(process.env.FUZZ_DATAGRAMS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2866);
const SECRET = 'fuzz-secret';
const USER = 'fuzz-user';
const PASSWORD = 'fuzz-pass-7731';

// ─── building requests (RFC 2865 §3, §5; RFC 2866 §3; RFC 3579 §3.2; RFC 5997) ─────────────────────────────────

const datagrams = radiusDatagrams({ seed: SEED, secret: SECRET, proxyStates: true, randomVendorIds: { ids: [311, 14988], orAnyBelow: 70_000 } });
const { key: KEY, int, chance, pick, bytes, id, randomAttributes, proxyStates, statusServer, textBytes } = datagrams;

function pap(user: string, password: string, secret = KEY): Buffer {
  const a = bytes(16);
  const ma = chance(0.85) ? [MA_ZERO] : [];
  return sign(packet(1, id(), a, [...ma, attr(1, user), attr(2, datagrams.hide(password, a, secret)), ...proxyStates()]), secret);
}

function chap(): Buffer {
  const a = bytes(16);
  const response = chance(0.5)
    ? Buffer.concat([Buffer.of(7), createHash('md5').update(Buffer.of(7)).update(PASSWORD).update(a).digest()])
    : bytes(pick([16, 17, 18]));
  return sign(packet(1, id(), a, [MA_ZERO, attr(1, USER), attr(3, response), ...(chance(0.3) ? [attr(60, bytes(int(20)))] : [])]), KEY);
}

function mschap(): Buffer {
  const challenge = bytes(pick([16, 16, 8, 0]));
  const peer = bytes(16);
  const good = challenge.length === 16 && chance(0.3);
  const response = good
    ? Buffer.concat([Buffer.of(1, 0), peer, Buffer.alloc(8), generateNtResponse(challenge, peer, USER, ntPasswordHash(PASSWORD))])
    : bytes(pick([50, 49, 0, int(60)]));
  const v1 = chance(0.2);
  return sign(packet(1, id(), bytes(16), [MA_ZERO, attr(1, USER), vsa(311, 11, challenge), vsa(311, v1 ? 1 : 25, response)]), KEY);
}

function accounting(secret = KEY): Buffer {
  const status = Buffer.alloc(4);
  status.writeUInt32BE(pick([1, 2, 3, 7, 8, 15, int(20)]), 0);
  const attrs = [
    attr(40, status),
    attr(1, chance(0.3) ? textBytes() : pick([USER, 'nobody', 'x'])),
    ...(chance(0.9) ? [attr(44, chance(0.3) ? textBytes() : bytes(4).toString('hex'))] : []),
    ...(chance(0.3) ? [attr(25, chance(0.5) ? 'rg1:1:00aa11bb22cc33dd' : bytes(int(20)))] : []),
    // Text attributes a session record keeps (RFC 2865 §5.30–§5.32, RFC 2869 §5.11, §5.17), with hostile bytes.
    ...(chance(0.5) ? [attr(pick([30, 31, 32, 77, 87]), textBytes(chance(0.1) ? 253 : 40))] : []),
    ...(chance(0.3) ? [attr(41, bytes(4))] : []),
    ...(chance(0.3) ? [attr(42, bytes(4)), attr(52, bytes(4))] : []),
    ...randomAttributes(),
    ...proxyStates(),
  ];
  return sign(packet(4, id(), Buffer.alloc(16), chance(0.5) ? [MA_ZERO, ...attrs] : attrs), secret);
}

function validPacket(port: Port): Buffer {
  if (port === 'acct') return chance(0.85) ? accounting() : statusServer();
  switch (int(7)) {
    case 0:
      return statusServer();
    case 1:
    case 2:
      return pap(USER, PASSWORD);
    case 3:
      return sign(Buffer.concat([pap(pick([USER, 'nobody']), pick([PASSWORD, 'wrong'])), ...randomAttributes()]), KEY);
    case 4:
      return chap();
    case 5:
      return mschap();
    default:
      return sign(packet(1, id(), bytes(16), [MA_ZERO, attr(1, USER), ...randomAttributes(), ...proxyStates()]), KEY);
  }
}

// Mutants are signed again half the time, so that they reach the decoder and the handlers.
const MUTATIONS = datagrams.mutations({
  weights: {
    valid: 20, randomBytes: 8, plausibleHeader: 6, truncated: 6, badLength: 8, badAttributeLength: 8, overrun: 4, brokenMa: 6,
    maWrongSize: 4, maRemoved: 4, wrongSecret: 5, huge: 2, bitFlip: 12, everyCode: 5, vendorGarbage: 6, padding: 4,
  },
  user: USER,
  password: PASSWORD,
  valid: validPacket,
  pap: (secret) => pap(USER, PASSWORD, secret),
  accounting,
  wrongSecret: 'fuzz-secreT',
  randomLength: 400,
  reachDecoder: true,
  garbageVendorIds: { ids: [311, 14988, 0], orAnyBelow: 1 << 24 },
  everyCode: { user: USER, signing: 'by code' },
});

// ─── independent oracles, written from the RFCs ───────────────────────────────────────────────────────────────

/** RFC 2865 §4, RFC 2866 §4, RFC 5997 §2, RFC 5176 §2.3. */
const KNOWN_CODES = new Set([1, 2, 3, 4, 5, 11, 12, 40, 41, 42, 43, 44, 45]);

/** Lengths, a known code, at most one Message-Authenticator of 16 bytes (RFC 3579 §3.2), Vendor-Specific shape (§5.26). */
function wellFramed(d: Buffer): boolean {
  if (!lengthsValid(d) || !KNOWN_CODES.has(d[0]!)) return false;
  const length = d.readUInt16BE(2);
  let mas = 0;
  for (let o = 20; o < length; o += d[o + 1]!) {
    const type = d[o]!;
    const end = o + d[o + 1]!;
    if (type === 80 && (d[o + 1] !== 18 || ++mas > 1)) return false;
    if (type === 26) {
      if (end - o < 6 || d[o + 2] !== 0) return false;
      for (let s = o + 6; s < end; s += d[s + 1]!) if (s + 2 > end || d[s + 1]! < 2 || s + d[s + 1]! > end) return false;
    }
  }
  return true;
}

/** May `client` send this well-framed packet to `port`? Signatures by node:crypto, policy of docs/radius-protocol.md §4. */
function authenticOracle(p: Buffer, port: Port, client: Client<NasConfig>): boolean {
  const code = p[0]!;
  if (!PORT_CODES[port].has(code)) return false;
  const secret = client.secret.bytes;
  let ma = -1;
  let proxied = false;
  let eap = false;
  for (const [type, value] of attributesOf(p)) {
    if (type === 80) ma = value.byteOffset - p.byteOffset;
    if (type === 33) proxied = true;
    if (type === 79) eap = true;
  }
  if (code === 4) {
    if (!requestAuthenticatorValid(p, secret)) return false;
    return ma < 0 || messageAuthenticatorValid(p, ma, secret, Buffer.alloc(16));
  }
  if (ma >= 0) return messageAuthenticatorValid(p, ma, secret, p.subarray(4, 20));
  if (code === 12) return false;
  if (eap) return false; // RFC 3579 §3.1: EAP-Message needs Message-Authenticator
  const strict = client.requireMessageAuthenticator === 'yes';
  return !strict && !(proxied && client.limitProxyState === 'yes');
}

/**
 * Problems of the session record made from accounting packet `p`, against docs/radius-protocol.md §16: identifiers
 * (Acct-Session-Id, Class) as storedIdentifier says; text valid UTF-8 without control characters, verbatim when the
 * bytes were printable, never longer than them.
 */
function storedTextProblems(record: AccountingRecord, p: Buffer): string[] {
  if (record.kind !== 'session') return [];
  const u = record.update;
  const first = (type: number) => attributesOf(p).find(([t]) => t === type)?.[1];
  const problems: string[] = [];
  if (u.acctSessionId !== storedIdentifier(first(44) ?? Buffer.alloc(0))) problems.push(`Acct-Session-Id stored as ${JSON.stringify(u.acctSessionId)}`);
  const cls = first(25);
  if (u.class !== (cls && cls.length > 0 ? storedIdentifier(cls) : '')) problems.push(`Class stored as ${JSON.stringify(u.class)}`);
  const text = [['User-Name', 1, u.username], ['Called-Station-Id', 30, u.calledStationId], ['Calling-Station-Id', 31, u.callingStationId],
    ['NAS-Identifier', 32, u.nasIdentifier], ['NAS-Port-Id', 87, u.nasPortId]] as const;
  for (const [name, type, value] of text) {
    const raw = first(type);
    if (raw === undefined) {
      if (value !== (type === 1 ? '' : null)) problems.push(`${name} absent but stored as ${JSON.stringify(value)}`);
      continue;
    }
    const verbatim = printableText(raw);
    if (value === null || !storableText(value) || (verbatim !== undefined && value !== verbatim) || [...value].length > raw.length) {
      problems.push(`${name} ${raw.toString('hex')} stored as ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

// ─── the run ──────────────────────────────────────────────────────────────────────────────────────────────────

let config: Config;
let clients: Array<Client<NasConfig>>;
let handlers: ReturnType<typeof createHandlers>;
/** What the Accounting-Request handler hands to the session store. */
const recorded: AccountingRecord[] = [];
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  config = await loadConfig(EXAMPLE_CONFIG, {});
  const nas = config.nas[0]!;
  const entry: AuthSubscriber = {
    id: 1,
    workspaceId: nas.workspace,
    username: USER,
    accountNumber: 'A1',
    plan: 'home-10',
    status: 'active',
    staticIp: null,
    hasPassword: true,
    password: Buffer.from(PASSWORD),
    ntHash: ntPasswordHash(PASSWORD),
  };
  const registry = new ClientRegistry<NasConfig>(
    (['no', 'yes'] as const).map((mode, i) => ({
      name: `nas-${mode}`,
      address: `127.0.0.${i + 1}`,
      secret: makeSecret(SECRET),
      requireMessageAuthenticator: mode,
      limitProxyState: mode,
      data: nas,
    })),
  );
  clients = registry.all();
  handlers = createHandlers({
    config: () => config,
    directory: { find: (workspace, username) => (workspace === entry.workspaceId && username === USER ? entry : undefined) },
    openSessions: () => 0,
    record: async (record) => {
      recorded.push(record);
      return true;
    },
  });
});

interface Failure {
  index: number;
  mutation: string;
  what: string;
  hex: string;
}

describe(`decoder fuzz: ${DATAGRAMS} datagrams, seed ${SEED}`, () => {
  it('nothing throws, framing and authenticity agree with the RFCs, accepted packets re-encode consistently', async () => {
    const failures: Failure[] = [];
    const counts = { framed: 0, lengthRejected: 0, screened: 0, decodeErrors: 0, handled: 0, replies: 0, accepts: 0, sessionRecords: 0, hexSessionIds: 0 };
    const byMutation = new Map<string, number>();

    for (let index = 0; index < DATAGRAMS; index++) {
      const m = MUTATIONS.next();
      const port: Port = chance(0.6) ? 'auth' : 'acct';
      const client = pick(clients);
      const datagram = m.make(port);
      byMutation.set(m.name, (byMutation.get(m.name) ?? 0) + 1);
      const fail = (what: string) => {
        if (failures.length < 20) failures.push({ index, mutation: m.name, what, hex: datagram.subarray(0, 200).toString('hex') });
      };
      try {
        // Framing: never throws; accepts exactly the well-framed.
        const parsed = parseFrame(datagram);
        if (!lengthsValid(datagram)) {
          counts.lengthRejected++;
          if (parsed.ok) fail('invalid lengths accepted');
          continue;
        }
        if (parsed.ok !== wellFramed(datagram)) {
          fail(`parseFrame ok=${parsed.ok} but the oracle says ${!parsed.ok}${parsed.ok ? '' : `: ${parsed.reason}`}`);
          continue;
        }
        if (!parsed.ok) continue;
        counts.framed++;
        const frame = parsed.frame;
        const length = datagram.readUInt16BE(2);
        if (!frame.packet.equals(datagram.subarray(0, length))) fail('packet is not the datagram up to Length');
        const states = attributesOf(frame.packet).filter(([type]) => type === 33).map(([, v]) => v.toString('hex'));
        if (frame.proxyStates.map((s) => s.toString('hex')).join() !== states.join()) fail('Proxy-States differ');
        if (frame.maValueOffset >= 0 && (frame.packet[frame.maValueOffset - 2] !== 80 || frame.packet[frame.maValueOffset - 1] !== 18)) {
          fail('maValueOffset does not point at a Message-Authenticator');
        }

        // Port and authenticity: never throws; accepts exactly what node:crypto and the policy accept.
        const rejected = screenRequest(port, client, frame);
        if ((rejected === undefined) !== authenticOracle(frame.packet, port, client)) {
          fail(`screenRequest said ${rejected ?? 'ok'}, the oracle the opposite`);
          continue;
        }
        if (rejected) continue;
        counts.screened++;

        // Decoding may throw (the server catches it and counts the datagram malformed); only Errors.
        let request: RadiusRequest;
        try {
          request = decodeAttributes(frame);
        } catch (err) {
          counts.decodeErrors++;
          if (!(err instanceof Error)) fail(`decodeAttributes threw a non-Error: ${String(err)}`);
          continue;
        }
        // The raw attributes written back after the header are the packet, byte for byte.
        const rewritten = Buffer.concat([
          frame.packet.subarray(0, 20),
          ...request.rawAttributes.map(([type, value]) => Buffer.concat([Buffer.of(type, value.length + 2), value])),
        ]);
        if (!rewritten.equals(frame.packet)) fail('raw attributes do not re-encode to the packet');

        // The handler for the code: must neither throw nor reject (the server would count a handler-error).
        const context: HandlerContext<NasConfig> = { client, port, source: { address: client.address, port: 1812 }, frame, receivedAt: 0, log };
        let result: HandlerOutcome;
        try {
          result = await handlers[frame.code]!(request, context);
        } catch (err) {
          fail(`handler threw: ${(err as Error).message}`);
          continue;
        }
        counts.handled++;
        // The session record holds the packet's text as docs/radius-protocol.md §16 says.
        for (const record of recorded.splice(0)) {
          counts.sessionRecords += record.kind === 'session' ? 1 : 0;
          if (record.kind === 'session' && record.update.acctSessionId.startsWith('0x')) counts.hexSessionIds++;
          for (const problem of storedTextProblems(record, frame.packet)) fail(problem);
        }
        if (!result || 'drop' in result) continue;
        if (result.code === Code.AccessAccept && frame.code === Code.AccessRequest) counts.accepts++;

        // The reply: encodes, frames, echoes every Proxy-State in order, verifies (RFC 2865 §3, §5.33; RFC 3579 §3.2).
        const ma = result.code !== Code.AccountingResponse || frame.code === Code.StatusServer;
        const reply = encodeResponse({ code: result.code, request: frame, attributes: result.attributes, secret: client.secret, messageAuthenticator: ma });
        counts.replies++;
        const replyFrame = parseFrame(reply);
        if (!replyFrame.ok) {
          fail(`reply does not frame: ${replyFrame.reason}`);
          continue;
        }
        if (replyFrame.frame.identifier !== frame.identifier) fail('reply identifier differs');
        if (replyFrame.frame.proxyStates.map((s) => s.toString('hex')).join() !== states.join()) fail('reply Proxy-States differ');
        if (!responseAuthenticatorValid(reply, frame.authenticator, client.secret.bytes)) fail('Response Authenticator');
        if (ma) {
          if (replyFrame.frame.maValueOffset !== 22) fail('Message-Authenticator is not first');
          if (!messageAuthenticatorValid(reply, 22, client.secret.bytes, frame.authenticator)) fail('reply Message-Authenticator');
        }
      } catch (err) {
        fail(`uncaught: ${(err as Error).stack ?? String(err)}`);
      }
    }

    expect(failures).toEqual([]);
    // The run exercised every path: rejections at each stage, decoding, handlers, replies, Access-Accepts.
    for (const m of MUTATIONS.all) expect(byMutation.get(m.name) ?? 0, m.name).toBeGreaterThan(DATAGRAMS / 100);
    expect(counts.lengthRejected).toBeGreaterThan(DATAGRAMS / 10);
    expect(counts.framed - counts.screened).toBeGreaterThan(DATAGRAMS / 20);
    expect(counts.screened).toBeGreaterThan(DATAGRAMS / 5);
    expect(counts.decodeErrors).toBeGreaterThan(0);
    expect(counts.replies).toBeGreaterThan(DATAGRAMS / 10);
    expect(counts.accepts).toBeGreaterThan(DATAGRAMS / 100);
    expect(counts.sessionRecords).toBeGreaterThan(DATAGRAMS / 100);
    expect(counts.hexSessionIds).toBeGreaterThan(DATAGRAMS / 1000);
  }, 300_000);
});

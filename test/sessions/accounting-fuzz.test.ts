/**
 * Accounting fuzz, from the UDP socket into the sessions table (docs/radius-protocol.md §11, §16): seeded
 * Accounting-Requests whose text attributes hold hostile bytes (NUL, C0 and C1 controls, DEL, invalid, truncated and
 * overlong UTF-8, encoded surrogates, `0x` prefixes, plain random bytes), interleaved with clean requests and with the
 * mutations of test/helpers/radius-datagrams.ts, sent to radgate running in-process on a real database.
 *
 * Oracle (checks written from the RFCs and §16, sharing no code with src/): the server keeps answering; every
 * Accounting-Response verifies against a correctly signed request that was sent, and when that request was a Start,
 * Interim-Update or Stop a row with its Acct-Session-Id (as §16 stores it) exists; every stored text is valid UTF-8
 * without a control character; every signed request built here — hostile text or clean — is acknowledged, after at
 * most the retransmissions a NAS makes. Deterministic (FUZZ_SEED overrides); FUZZ_ACCT_DATAGRAMS sets the count.
 */
import dgram, { type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import {
  attr, attributesOf, lengthsValid, MA_ZERO, messageAuthenticatorValid, packet, printableText, radiusDatagrams,
  requestAuthenticatorValid, responseAuthenticatorValid, sign, storableText, storedIdentifier,
} from '../helpers/radius-datagrams.js';
import { allSessions, SECRET } from './helpers.js';

const DATAGRAMS = Number(process.env.FUZZ_ACCT_DATAGRAMS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2869);
/** Datagrams per round; a round ends when every request built here has been answered. */
const ROUND = 60;
const SOCKETS = 4;

const datagrams = radiusDatagrams({ seed: SEED, secret: SECRET });
const { key: KEY, int, chance, pick, id, textBytes } = datagrams;

// ─── requests ─────────────────────────────────────────────────────────────────────────────────────────────────

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

let sequence = 0;

/**
 * A correctly signed Accounting-Request (RFC 2866 §3, §4.1). `hostile`: its Acct-Session-Id, User-Name and a few other
 * text attributes (RFC 2865 §5.25, §5.30–§5.32; RFC 2869 §5.11, §5.17) are textBytes(); else printable and unique.
 */
function accounting(hostile: boolean): Buffer {
  const n = sequence++;
  const status = hostile ? pick([1, 1, 2, 3, 3, 3, 15]) : pick([1, 2, 3]);
  const text = (type: number, clean: string) => attr(type, hostile && chance(0.7) ? textBytes(chance(0.1) ? 253 : 40) : clean);
  const attrs = [
    attr(40, u32(status)),
    text(1, `fuzz-user-${n % 97}`),
    text(44, `c${SEED.toString(16)}-${n}`),
    ...(chance(0.5) ? [text(31, 'AA:BB:CC:00:11:22')] : []),
    ...(chance(0.3) ? [text(30, 'pppoe-in')] : []),
    ...(chance(0.3) ? [text(32, 'core-1')] : []),
    ...(chance(0.3) ? [text(87, 'ether5')] : []),
    ...(chance(0.2) ? [text(77, 'CONNECT 1000000')] : []),
    ...(chance(0.2) ? [text(25, 'rg1:1:00aa11bb22cc33dd')] : []),
    ...(status !== 1 ? [attr(46, u32(int(100_000))), attr(42, u32(int(2 ** 32)))] : []),
  ];
  return sign(packet(4, id(), Buffer.alloc(16), chance(0.3) ? [MA_ZERO, ...attrs] : attrs), KEY);
}

const MUTATIONS = datagrams.mutations({
  weights: { randomBytes: 6, plausibleHeader: 6, truncated: 6, badLength: 6, badAttributeLength: 8, overrun: 4, brokenMa: 4, wrongSecret: 4, bitFlip: 12, padding: 4, huge: 1 },
  user: 'fuzz-user',
  password: 'unused',
  valid: () => accounting(true),
  pap: () => accounting(true),
  accounting: (secret) => sign(packet(4, id(), Buffer.alloc(16), [attr(40, u32(1)), attr(44, textBytes())]), secret),
  wrongSecret: 'testing124',
  randomLength: 300,
  reachDecoder: true,
  garbageVendorIds: { ids: [311, 14988] },
  everyCode: { user: 'fuzz-user', signing: 'by code' },
});

// ─── the oracle ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Well framed (RFC 2865 §3, §5) and correctly signed for the accounting port: an Accounting-Request (RFC 2866 §3, its
 * Message-Authenticator if any: RFC 3579 §3.2), or a Status-Server with a valid Message-Authenticator (RFC 5997 §3),
 * which a mutant with a plausible header now and then is. The packet up to Length, or undefined.
 */
function signedRequest(d: Buffer): Buffer | undefined {
  if (!lengthsValid(d)) return undefined;
  const p = d.subarray(0, d.readUInt16BE(2));
  const mas = attributesOf(p).filter(([type]) => type === 80);
  if (mas.length > 1 || (mas.length === 1 && mas[0]![1].length !== 16)) return undefined;
  const maValid = (authenticator: Buffer) => messageAuthenticatorValid(p, mas[0]![1].byteOffset - p.byteOffset, KEY, authenticator);
  if (p[0] === 12) return mas.length === 1 && maValid(p.subarray(4, 20)) ? p : undefined;
  if (p[0] !== 4 || !requestAuthenticatorValid(p, KEY)) return undefined;
  return mas.length === 0 || maValid(Buffer.alloc(16)) ? p : undefined;
}

/** The Acct-Session-Id as stored, when the request is a Start, Interim-Update or Stop with one (RFC 2866 §5.1, §5.5). */
function sessionOf(p: Buffer): { acctSessionId: string; userName: Buffer | undefined } | undefined {
  const attributes = attributesOf(p);
  const first = (type: number) => attributes.find(([t]) => t === type)?.[1];
  const statuses = attributes.filter(([t]) => t === 40);
  const status = statuses[0]?.[1];
  const id = first(44);
  // One Acct-Status-Type: a packet with two says nothing definite and is not recorded.
  if (statuses.length !== 1 || status?.length !== 4 || ![1, 2, 3].includes(status.readUInt32BE(0)) || !id || id.length === 0) return undefined;
  return { acctSessionId: storedIdentifier(id), userName: first(1) };
}

// ─── the run ──────────────────────────────────────────────────────────────────────────────────────────────────

let t: TestRadgate;

beforeAll(async () => {
  t = await startTestRadgate();
});

afterAll(async () => {
  await t?.stop();
});

interface Sent {
  packet: Buffer;
  socket: number;
  /** Built here, signed: must be answered. */
  mustAnswer: boolean;
  answered: boolean;
}

describe(`accounting fuzz into the database: ${DATAGRAMS} datagrams, seed ${SEED}`, () => {
  it('answers every signed request, answers only those, stores each one answered, and stores only printable UTF-8', async () => {
    const port = t.radgate.ports.acct;
    const sockets: Socket[] = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })));
    const outstanding = new Map<string, Sent[]>();
    const answeredSessions: Array<{ acctSessionId: string; userName: Buffer | undefined }> = [];
    const unexpected: string[] = [];
    let replies = 0;
    sockets.forEach((socket, s) =>
      socket.on('message', (reply) => {
        replies++;
        const candidates = outstanding.get(`${s}|${reply[1]}`) ?? [];
        const match = candidates.find((c) => reply[0] === 5 && reply.readUInt16BE(2) === reply.length && responseAuthenticatorValid(reply, c.packet.subarray(4, 20), KEY));
        if (!match) {
          if (unexpected.length < 10) unexpected.push(`${reply.toString('hex').slice(0, 80)}… on socket ${s}`);
          return;
        }
        if (match.answered) return; // a resend of the cached reply to a retransmission
        match.answered = true;
        const signed = signedRequest(match.packet);
        if (!signed) {
          if (unexpected.length < 10) unexpected.push(`answered an unsigned or malformed request ${match.packet.toString('hex').slice(0, 80)}…`);
          return;
        }
        const session = signed[0] === 4 ? sessionOf(signed) : undefined;
        if (session) answeredSessions.push(session);
      }),
    );

    let sent = 0;
    let mustAnswer = 0;
    let retransmissions = 0;
    const started = Date.now();
    while (sent < DATAGRAMS) {
      const round: Sent[] = [];
      for (let n = 0; n < ROUND && sent < DATAGRAMS; n++, sent++) {
        const kind = int(10);
        const datagram = kind < 4 ? accounting(true) : kind < 6 ? accounting(false) : MUTATIONS.next().make('acct');
        const entry: Sent = { packet: datagram, socket: int(SOCKETS), mustAnswer: kind < 6, answered: false };
        if (entry.mustAnswer) mustAnswer++;
        // Only what the oracle calls a signed Accounting-Request may be answered; the rest is kept to catch a reply.
        const key = `${entry.socket}|${datagram[1]}`;
        outstanding.set(key, [...(outstanding.get(key) ?? []), entry]);
        round.push(entry);
        sockets[entry.socket]!.send(datagram, port, '127.0.0.1');
      }
      // Like a NAS: retransmit the same bytes until answered (RFC 5080 §2.2.1), here every 300 ms, 10 times at most.
      for (let tries = 0; tries < 10 && round.some((e) => e.mustAnswer && !e.answered); tries++) {
        const deadline = Date.now() + 300;
        while (Date.now() < deadline && round.some((e) => e.mustAnswer && !e.answered)) await new Promise((r) => setTimeout(r, 5));
        for (const e of round) {
          if (!e.mustAnswer || e.answered || Date.now() < deadline) continue;
          retransmissions++;
          sockets[e.socket]!.send(e.packet, port, '127.0.0.1');
        }
      }
      const unanswered = round.filter((e) => e.mustAnswer && !e.answered);
      expect(unanswered.map((e) => e.packet.toString('hex'))).toEqual([]);
    }
    // The server still answers.
    const probe: Sent = { packet: accounting(false), socket: 0, mustAnswer: true, answered: false };
    outstanding.set(`0|${probe.packet[1]}`, [...(outstanding.get(`0|${probe.packet[1]}`) ?? []), probe]);
    sockets[0]!.send(probe.packet, port, '127.0.0.1');
    const deadline = Date.now() + 5000;
    while (!probe.answered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(probe.answered).toBe(true);

    const rows = await allSessions(t.radgate.database.db);
    const byId = new Map<string, typeof rows>();
    for (const row of rows) byId.set(row.acctSessionId, [...(byId.get(row.acctSessionId) ?? []), row]);
    // Every acknowledged Start / Interim / Stop is in the table; a printable User-Name is stored verbatim.
    const missing = answeredSessions.filter((s) => {
      const found = byId.get(s.acctSessionId) ?? [];
      const name = s.userName === undefined ? '' : printableText(s.userName);
      return found.length === 0 || (name !== undefined && !found.some((r) => r.username === name));
    });
    expect(missing.slice(0, 5)).toEqual([]);
    // Every stored text is valid UTF-8 without NUL or any other control character.
    const TEXT_COLUMNS = ['nasName', 'nasAddress', 'nasIpAddress', 'nasIdentifier', 'acctSessionId', 'class', 'username', 'framedIpAddress',
      'callingStationId', 'calledStationId', 'nasPortId', 'terminateCause', 'lastStatus'] as const;
    const bad = rows.flatMap((r) => TEXT_COLUMNS.filter((c) => r[c] !== null && !storableText(r[c]!)).map((c) => `${r.id}.${c} = ${JSON.stringify(r[c])}`));
    expect(bad.slice(0, 5)).toEqual([]);
    expect(unexpected).toEqual([]);

    const normalised = /^radgate_accounting_text_normalised_total\{attribute="Acct-Session-Id"\} (\d+)$/m.exec(await t.radgate.metrics.registry.metrics());
    console.log(
      `accounting fuzz (seed ${SEED}): ${sent} datagrams in ${((Date.now() - started) / 1000).toFixed(1)} s, ${mustAnswer} signed requests all ` +
        `answered (${retransmissions} retransmissions), ${replies} replies, ${answeredSessions.length} session records answered, ` +
        `${rows.length} rows, ${normalised?.[1] ?? 0} Acct-Session-Ids stored as hex`,
    );
    expect(answeredSessions.length).toBeGreaterThan(DATAGRAMS / 4);
    expect(rows.filter((r) => r.acctSessionId.startsWith('0x')).length).toBeGreaterThan(DATAGRAMS / 50);
    for (const s of sockets) s.close();
  }, 180_000);
});

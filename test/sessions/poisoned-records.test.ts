/**
 * Bad text in accounting, through the real UDP server (docs/radius-protocol.md §16): NUL bytes, control characters
 * and invalid UTF-8 in text attributes are stored normalised and answered, in the same batches as good records from
 * other routers; and a router that keeps sending such records does not cost another router a single
 * acknowledgement. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { UdpPeer, verifyReply } from '../helpers/udp.js';
import { accountingPacket, allSessions, RetryingNas, SECRET, type AcctAttributes } from './helpers.js';

const NASES = [
  { name: 'local', address: '127.0.0.1', secret: SECRET },
  { name: 'second', address: '127.0.0.2', secret: 'second-secret' },
  { name: 'third', address: '127.0.0.3', secret: 'third-secret' },
] as const;

const EXTRA_NAS = NASES.slice(1)
  .map((n) => `\n  - name: ${n.name}\n    address: ${n.address}\n    secret: ${n.secret}\n    workspace: default\n`)
  .join('');

let t: TestRadgate;
let acctPort: number;

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'nas.yaml': (text) => text + EXTRA_NAS } });
  acctPort = t.radgate.ports.acct;
});

afterAll(async () => {
  await t?.stop();
});

async function metric(line: RegExp): Promise<number> {
  const text = await t.radgate.metrics.registry.metrics();
  return Number(line.exec(text)?.[1] ?? 0);
}
const normalisedCount = (attribute: string) => metric(new RegExp(`^radgate_accounting_text_normalised_total\\{attribute="${attribute}"\\} (\\d+)$`, 'm'));

/** Send every packet at once from `peer`; resolves with the Identifiers answered (verified) within `timeoutMs`. */
async function sendAll(peer: UdpPeer, packets: Buffer[], secret: string, timeoutMs = 10_000): Promise<Set<number>> {
  const byId = new Map(packets.map((p) => [p[1]!, p]));
  for (const p of packets) peer.send(p, acctPort);
  const answered = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  while (answered.size < packets.length && Date.now() < deadline) {
    const reply = await peer.receive(deadline - Date.now());
    const request = reply && byId.get(reply[1]!);
    if (reply && request && reply[0] === 5 && verifyReply(reply, request.subarray(4, 20), secret).authenticatorOk) answered.add(reply[1]!);
  }
  return answered;
}

describe('text that is not printable UTF-8', () => {
  it('one batch: good records of three NASes, a NUL-poisoned and an invalid-UTF-8 record; all answered, stored by the rule, counted', async () => {
    const before = Object.fromEntries(
      await Promise.all(['User-Name', 'Acct-Session-Id', 'Calling-Station-Id', 'NAS-Port-Id', 'NAS-Identifier', 'Class'].map(async (a) => [a, await normalisedCount(a)])),
    ) as Record<string, number>;
    const peers = await Promise.all(NASES.map((n) => new UdpPeer().open(n.address)));
    try {
      const good = (nas: number, i: number): AcctAttributes => ({
        'Acct-Status-Type': 1,
        'User-Name': `good-${nas}-${i}`,
        'Acct-Session-Id': `9${nas}00000${i}`,
        'Calling-Station-Id': `AA:BB:CC:00:0${nas}:0${i}`,
        'NAS-Port-Id': 'ether5',
      });
      const packets = NASES.map((n, nas) => Array.from({ length: 6 }, (_, i) => accountingPacket(i, good(nas, i), n.secret)));
      // Router two: NUL bytes and a control character (PostgreSQL refuses `\u0000` in text: 22P05).
      packets[1]!.push(accountingPacket(100, {
        'Acct-Status-Type': 1,
        'User-Name': Buffer.from('nul\u0000user'),
        'Acct-Session-Id': Buffer.from('ab\u0000cd'),
        'Calling-Station-Id': Buffer.from('AA:BB:CC:DD:EE:FF\u0000'),
        'NAS-Port-Id': Buffer.from('ether\u00017'),
      }, NASES[1].secret));
      // Router three: Latin-1 instead of UTF-8, bytes that start no UTF-8 sequence, an overlong NUL (C0 80).
      packets[2]!.push(accountingPacket(101, {
        'Acct-Status-Type': 1,
        'User-Name': Buffer.from([0x6a, 0x6f, 0x73, 0xe9]),
        'Acct-Session-Id': Buffer.from([0xff, 0xfe, 0x41]),
        'NAS-Identifier': Buffer.from([0x63, 0xc0, 0x80]),
        Class: Buffer.from([0x80, 0x81, 0x00]),
      }, NASES[2].secret));

      const answered = await Promise.all(peers.map((peer, i) => sendAll(peer, packets[i]!, NASES[i]!.secret)));
      expect(answered.map((ids) => [...ids].sort((a, b) => a - b))).toEqual([
        [0, 1, 2, 3, 4, 5],
        [0, 1, 2, 3, 4, 5, 100],
        [0, 1, 2, 3, 4, 5, 101],
      ]);

      const rows = await allSessions(t.radgate.database.db);
      for (const [nas, n] of NASES.entries()) {
        for (let i = 0; i < 6; i++) {
          expect(rows.find((r) => r.acctSessionId === `9${nas}00000${i}`)).toMatchObject({
            nasName: n.name, username: `good-${nas}-${i}`, callingStationId: `AA:BB:CC:00:0${nas}:0${i}`, nasPortId: 'ether5',
          });
        }
      }
      // Identifiers: `0x` + hex, lossless; text: U+FFFD for each control character and each invalid sequence.
      expect(rows.find((r) => r.nasName === 'second' && r.acctSessionId.startsWith('0x'))).toMatchObject({
        acctSessionId: '0x6162006364',
        username: 'nul\ufffduser',
        callingStationId: 'AA:BB:CC:DD:EE:FF\ufffd',
        nasPortId: 'ether\ufffd7',
      });
      expect(rows.find((r) => r.nasName === 'third' && r.acctSessionId.startsWith('0x'))).toMatchObject({
        acctSessionId: '0xfffe41',
        username: 'jos\ufffd',
        nasIdentifier: 'c\ufffd\ufffd',
        class: '0x808100',
      });

      const after = async (a: string) => (await normalisedCount(a)) - before[a]!;
      expect(await after('User-Name')).toBe(2);
      expect(await after('Acct-Session-Id')).toBe(2);
      expect(await after('Calling-Station-Id')).toBe(1);
      expect(await after('NAS-Port-Id')).toBe(1);
      expect(await after('NAS-Identifier')).toBe(1);
      expect(await after('Class')).toBe(1);
    } finally {
      for (const peer of peers) peer.close();
    }
  });

  it('a NAS sending NUL-poisoned records continuously does not cost a good NAS a single acknowledgement', async () => {
    const GOOD = 300;
    const goodRequest = (round: string, i: number): AcctAttributes => ({
      'Acct-Status-Type': 1,
      'User-Name': `steady-${i}`,
      'Acct-Session-Id': `${round}${String(i).padStart(6, '0')}`,
      'Framed-IP-Address': `100.66.${i >> 8}.${i & 255}`,
    });
    /** The good NAS's requests, all at once; how long until all were answered, and how many transmissions it took. */
    const goodRun = async (round: string) => {
      const nas = await new RetryingNas(acctPort, { sockets: 2, retryMs: 3000 }).open();
      const started = Date.now();
      try {
        await Promise.race([
          Promise.all(Array.from({ length: GOOD }, (_, i) => nas.send(goodRequest(round, i)))),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`good NAS not answered within 30 s (${nas.sent} transmissions)`)), 30_000)),
        ]);
        return { seconds: (Date.now() - started) / 1000, sent: nas.sent };
      } finally {
        nas.close();
      }
    };

    const alone = await goodRun('a1');
    expect(alone.sent).toBe(GOOD);

    // The bad router: a fresh Interim every millisecond or two, each with a NUL in Calling-Station-Id.
    const bad = await new UdpPeer().open(NASES[1].address);
    let badSent = 0;
    let badAnswered = 0;
    bad.socket.on('message', (m) => {
      if (m[0] === 5) badAnswered++;
    });
    const flood = setInterval(() => {
      for (let k = 0; k < 2; k++) {
        const n = badSent++;
        bad.send(accountingPacket(n & 0xff, {
          'Acct-Status-Type': 3,
          'User-Name': `flaky-${n % 50}`,
          'Acct-Session-Id': `f${String(n % 50).padStart(7, '0')}`,
          'Acct-Session-Time': n,
          'Calling-Station-Id': Buffer.from(`AA:BB:CC:00:00:${n % 50}\u0000`),
        }, NASES[1].secret), acctPort);
      }
    }, 1);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const during = await goodRun('a2');
      console.log(
        `good NAS, ${GOOD} requests: alone ${alone.seconds.toFixed(2)} s; beside a NUL-poisoning NAS ${during.seconds.toFixed(2)} s ` +
          `(${during.sent} transmissions); the bad NAS sent ${badSent}, ${badAnswered} answered`,
      );
      // Every request answered at its first transmission: no retransmission was needed.
      expect(during.sent).toBe(GOOD);
      // The poisoned records themselves are stored normalised and answered too.
      expect(badAnswered).toBeGreaterThan(0);
    } finally {
      clearInterval(flood);
      bad.close();
    }
    const rows = (await allSessions(t.radgate.database.db)).filter((r) => r.acctSessionId.startsWith('a2'));
    expect(rows).toHaveLength(GOOD);
  }, 90_000);
});

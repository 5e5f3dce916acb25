/**
 * IPv6 in accounting (docs/radius-protocol.md §16): Framed-IPv6-Prefix (RFC 3162 §2.3), Delegated-IPv6-Prefix
 * (RFC 4818 §3) and Framed-Interface-Id (RFC 3162 §2.1) as literal bytes on the wire, stored as canonical text; a
 * malformed value is left out or masked and counted, and never costs the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { sessionsCommand } from '../../src/cli/session-commands.js';
import { generateToken } from '../../src/web/admin/auth.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { accountingRequest, attr, UdpPeer } from '../helpers/udp.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { allSessions } from '../sessions/helpers.js';

let t: TestRadgate;
let acctPort: number;
const token = generateToken('ops', 'read');

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'admin.yaml': `tokens:\n${token.yaml}\n` } });
  acctPort = t.radgate.ports.acct;
  await addSubscribers(t, [{ username: 'v6user', plan: 'home-10' }]);
});

afterAll(async () => {
  await t?.stop();
});

const int = (type: number, value: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return attr(type, b);
};
const START = int(40, 1);
const INTERIM = int(40, 3);
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Sends one Accounting-Request; resolves to true when it was answered (recorded). */
async function send(id: number, attributes: Buffer[]): Promise<boolean> {
  const peer = await new UdpPeer().open();
  try {
    const reply = await peer.request(accountingRequest({ id, secret: 'testing123', attributes }), acctPort, 5000);
    return reply?.[0] === 5;
  } finally {
    peer.close();
  }
}

const rowOf = async (acctSessionId: string) => (await allSessions(t.radgate.database.db)).find((r) => r.acctSessionId === acctSessionId);
const normalisedCount = async (attribute: string) => {
  const text = await t.radgate.metrics.registry.getSingleMetricAsString('radgate_accounting_text_normalised_total');
  const match = new RegExp(`attribute="${attribute}"[^}]*\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
};

describe('IPv6 attributes in accounting', () => {
  it('stores the three attributes exactly, as canonical text', async () => {
    const ok = await send(1, [
      attr(1, 'v6user'), attr(44, '81b00001'), START, attr(8, Buffer.of(100, 64, 6, 1)),
      // Framed-IPv6-Prefix: reserved 0, length 64, 2001:0db8:0001:0000 (8 prefix bytes).
      attr(97, hex('00 40 2001 0db8 0001 0000')),
      // Delegated-IPv6-Prefix: reserved 0, length 56, all 16 bytes: 2001:db8:ff00:4200::.
      attr(123, hex('00 38 2001 0db8 ff00 4200 0000 0000 0000 0000')),
      // Framed-Interface-Id: 8 bytes.
      attr(96, hex('0211 22ff fe33 4455')),
    ]);
    expect(ok).toBe(true);
    expect(await rowOf('81b00001')).toMatchObject({
      username: 'v6user',
      framedIpAddress: '100.64.6.1',
      framedIpv6Prefix: '2001:db8:1::/64',
      delegatedIpv6Prefix: '2001:db8:ff00:4200::/56',
      framedInterfaceId: '0211:22ff:fe33:4455',
    });
  });

  it('a malformed prefix is left out, the record is kept and counted; the stored value survives a bad Interim', async () => {
    const before = await normalisedCount('Framed-IPv6-Prefix');
    // Prefix length 129 (> 128): unreadable. The Interim is still recorded; the prefix from Start stays.
    const ok = await send(2, [
      attr(1, 'v6user'), attr(44, '81b00001'), INTERIM, int(46, 60), int(42, 1000),
      attr(97, hex('00 81 2001 0db8 0001 0000')),
    ]);
    expect(ok).toBe(true);
    const row = await rowOf('81b00001');
    expect(row).toMatchObject({ framedIpv6Prefix: '2001:db8:1::/64', acctSessionTime: 60, acctInputOctets: 1000n });
    expect(await normalisedCount('Framed-IPv6-Prefix')).toBe(before + 1);
  });

  it('bits beyond the prefix length are masked; too few bytes for the length, or an interface id of 7 bytes, are left out', async () => {
    const before = { framed: await normalisedCount('Framed-IPv6-Prefix'), delegated: await normalisedCount('Delegated-IPv6-Prefix'), ifid: await normalisedCount('Framed-Interface-Id') };
    const ok = await send(3, [
      attr(1, 'v6user'), attr(44, '81b00002'), START,
      // /48 with host bits set in the fourth group: masked to 2001:db8:5::/48.
      attr(123, hex('00 30 2001 0db8 0005 abcd')),
      // /64 with only 4 prefix bytes (32 bits): unreadable.
      attr(97, hex('00 40 2001 0db8')),
      attr(96, hex('0211 22ff fe33 44')),
    ]);
    expect(ok).toBe(true);
    expect(await rowOf('81b00002')).toMatchObject({ delegatedIpv6Prefix: '2001:db8:5::/48', framedIpv6Prefix: null, framedInterfaceId: null });
    expect(await normalisedCount('Delegated-IPv6-Prefix')).toBe(before.delegated + 1);
    expect(await normalisedCount('Framed-IPv6-Prefix')).toBe(before.framed + 1);
    expect(await normalisedCount('Framed-Interface-Id')).toBe(before.ifid + 1);
  });

  it('a short prefix field that holds the length is zero-filled; /0 and /128 are kept', async () => {
    const ok = await send(4, [
      attr(1, 'v6user'), attr(44, '81b00003'), START,
      attr(97, hex('00 80 2001 0db8 0000 0000 0000 0000 0000 0001')),
      attr(123, hex('00 00')),
    ]);
    expect(ok).toBe(true);
    expect(await rowOf('81b00003')).toMatchObject({ framedIpv6Prefix: '2001:db8::1/128', delegatedIpv6Prefix: '::/0' });
  });

  it('radgate sessions --json shows them', async () => {
    const saved = { ...process.env };
    // The CLI reads its environment like the real command does.
    process.env.RADGATE_CONFIG = t.configDir;
    process.env.RADGATE_DATA_DIR = t.database.dataDir;
    if (t.database.databaseUrl) process.env.DATABASE_URL = t.database.databaseUrl;
    else delete process.env.DATABASE_URL;
    const ctx = new CliContext();
    try {
      const rows = JSON.parse(await sessionsCommand(ctx, ['--user', 'v6user', '--json'])) as Array<Record<string, unknown>>;
      expect(rows.find((r) => r.acctSessionId === '81b00001')).toMatchObject({
        framedIpv6Prefix: '2001:db8:1::/64', delegatedIpv6Prefix: '2001:db8:ff00:4200::/56', framedInterfaceId: '0211:22ff:fe33:4455',
      });
    } finally {
      await ctx.close();
      process.env = saved;
    }
  });

  it('the admin API shows them', async () => {
    const res = await fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1/sessions?username=v6user`, { headers: { authorization: `Bearer ${token.token}` } });
    expect(res.status).toBe(200);
    const body = await res.json() as { items: Array<Record<string, unknown>> };
    expect(body.items.find((s) => s.acct_session_id === '81b00001')).toMatchObject({
      framed_ipv6_prefix: '2001:db8:1::/64',
      delegated_ipv6_prefix: '2001:db8:ff00:4200::/56',
      framed_interface_id: '0211:22ff:fe33:4455',
    });
  });
});

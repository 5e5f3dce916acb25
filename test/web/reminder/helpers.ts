/** Shared setup for the reminder tests: radgate in-process with a second workspace, subscribers with billing facts. */
import http from 'node:http';
import { eq } from 'drizzle-orm';
import { subscribers, type SubscriberRow, type SubscriberStatus } from '../../../src/db/schema.js';
import { reminderLink } from '../../../src/web/reminder/index.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { ANY_CATALOG, newSubscriber, subscriberRecords } from '../../helpers/subscribers.js';

/** A second workspace, so a subscriber can move between workspaces. */
export const NORTH_WORKSPACE = `
  - id: north
    name: North Net
    reminder_host: pay.north.example
    expired_profile:
      group: expired
`;

export async function startReminderRadgate(server: (text: string) => string = (t) => t): Promise<TestRadgate> {
  return startTestRadgate({
    config: {
      'server.yaml': (t) => server(t.replace(/reject_delay:.*\n/, 'reject_delay: 0.2\n')),
      'workspaces.yaml': (t) => t + NORTH_WORKSPACE,
    },
  });
}

let counter = 0;

/**
 * Adds a subscriber through SubscriberRecords (NT hash credential: no password is ever checked here; any workspace,
 * as some tests build a config of their own for an app), then writes the billing facts a page shows straight into
 * its row: no production path sets an arbitrary balance or status date.
 */
export async function addSubscriber(
  t: TestRadgate,
  values: { status: SubscriberStatus; paidUntil?: Date | null; balance?: number; statusSince?: Date | null; staticIp?: string; workspaceId?: string; plan?: string },
): Promise<SubscriberRow> {
  counter++;
  const added = await subscriberRecords(t, ANY_CATALOG).add(newSubscriber({
    workspaceId: values.workspaceId ?? 'default',
    username: `user${counter}-${values.status}`,
    accountNumber: `ACC-${1000 + counter}`,
    plan: values.plan ?? 'home-10',
    ntHash: '0'.repeat(32),
    status: values.status,
    staticIp: values.staticIp,
  }));
  const [row] = await t.radgate.database.db
    .update(subscribers)
    .set({ paidUntil: values.paidUntil ?? null, balance: values.balance ?? 0, statusSince: values.statusSince ?? null })
    .where(eq(subscribers.id, added.id))
    .returning();
  return row!;
}

export async function updateSubscriber(t: TestRadgate, id: number, values: Partial<typeof subscribers.$inferInsert>): Promise<void> {
  await t.radgate.database.db.update(subscribers).set(values).where(eq(subscribers.id, id));
}

/** The path part (`/r/<token>`) of a fresh reminder link for `row`. */
export async function linkPath(t: TestRadgate, row: SubscriberRow, options: { now?: Date; lifetimeSeconds?: number } = {}): Promise<string> {
  const workspace = t.radgate.config.workspaceById.get(row.workspaceId)!;
  const link = await reminderLink(t.radgate.linkKeys, workspace, row, options);
  return new URL(link.url).pathname;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A plain HTTP/1.1 GET to 127.0.0.1 with any Host header and an optional source address (127.0.0.x are all on the
 * loopback interface), which `fetch` cannot do. Redirects are not followed.
 */
export function get(port: number, path: string, options: { host?: string; localAddress?: string; headers?: Record<string, string>; method?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        localAddress: options.localAddress,
        headers: { Host: options.host ?? `127.0.0.1:${port}`, Connection: 'close', ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const days = (n: number) => n * 86400_000;

/**
 * The notification worker as the server runs it (src/app.ts): a billing change through the running radgate queues
 * the e-mail, the worker wakes and sends it with a reminder link signed by the server's own link keys; stopping
 * the server stops the worker. PGlite, and PostgreSQL when DATABASE_URL is set.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLink } from '../../src/web/reminder/index.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { subscriberRecords } from '../helpers/subscribers.js';
import { mailYaml, parseMail, SMTP_PASSWORD, startSmtp, type Smtp } from './helpers.js';

function getPage(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let smtp: Smtp;
let t: TestRadgate;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestRadgate({
    config: {
      'workspaces.yaml': (text) => text.replace('    name: Example ISP\n', `    name: Example ISP\n${mailYaml(smtp.port)}`),
      'smtp.pass': SMTP_PASSWORD,
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

describe('notifications in the running server', () => {
  it('sends the reminder for a billing change, with a link the server verifies, and counts it', async () => {
    const row = await subscriberRecords(t).add({
      workspaceId: 'default', username: 'uma', accountNumber: 'A-uma', plan: 'home-10', password: 'pw', email: 'uma@example.net', contactName: 'Uma',
    });
    const result = await t.radgate.billing.setPaidUntil(row.id, new Date(Date.now() + 2 * 86400_000), 'test', 'test');
    expect(result.transition?.to).toBe('due_soon');
    await eventually(() => expect(smtp.received).toHaveLength(1), 15_000, "the e-mail");
    const mail = parseMail(smtp.received[0]!.raw);
    expect(mail.headers.get('from')).toBe('Example ISP Billing <billing@isp.example>');
    const token = /https:\/\/pay\.isp\.example\/r\/(\S+)/.exec(mail.text)![1]!;
    const check = await verifyLink(t.radgate.linkKeys, token);
    expect(check.ok && check.claims.subscriberId).toBe(row.id);
    // The link renders: the reminder page for that subscriber, from the server that sent the e-mail.
    const page = await getPage(t.radgate.ports.http, `/r/${token}`, 'pay.isp.example');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your payment is due soon');
    expect(page.body).toContain('A-uma');
    const metrics = await t.radgate.metrics.registry.metrics();
    expect(metrics).toContain('radgate_notifications_total{channel="email",state="sent"} 1');
    expect(t.rawLog()).not.toContain('uma@example.net');
    expect(t.rawLog()).not.toContain(SMTP_PASSWORD);
  });
});

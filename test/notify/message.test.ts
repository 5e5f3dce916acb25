/**
 * What a reminder e-mail says (src/notify/message.ts), a pure function: the amount due as the reminder page computes
 * it (src/billing/amount-due.ts), dates in the workspace's time zone and language, every value escaped in the HTML
 * part, the subject on one line, the text in the workspace's default language with its overrides.
 */
import { describe, expect, it } from 'vitest';
import { renderMessage, type MessageSubscriber } from '../../src/notify/message.js';
import { loadConfig, type PlanConfig, type WorkspaceConfig } from '../../src/config/index.js';
import { testConfig } from '../helpers/config.js';

const now = new Date('2025-04-10T12:00:00Z');
const subscriber: MessageSubscriber = {
  username: 'alice', contactName: 'Alice <b>&</b>', paidUntil: new Date('2025-03-01T00:00:00Z'),
  statusSince: new Date('2025-03-03T00:00:00Z'), balance: 500, plan: 'home-10',
};

describe('renderMessage', async () => {
  const config = await loadConfig(testConfig(), {});
  const workspace = config.workspaces[0]!;
  const plan = config.planByName.get('home-10') as PlanConfig;

  it('says the amount due now: two cycles late, less the credit, in the workspace currency display', () => {
    const m = renderMessage('expired', subscriber, plan, workspace, 'https://pay.isp.example/r/x', now);
    expect(m.vars.amount).toBe('$45.00');
    expect(m.text).toContain('your payment of $45.00 has not arrived');
    expect(m.vars.date).toBe('March 3, 2025');
  });

  it('escapes every value in the HTML part and keeps the subject on one line', () => {
    const hostile: WorkspaceConfig = { ...workspace, name: 'ISP\r\nBcc: x@evil.example' };
    const m = renderMessage('expired', subscriber, plan, hostile, 'https://pay.isp.example/r/x?a=1&b=2', now);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.html).toContain('Alice &lt;b&gt;&amp;&lt;/b&gt;');
    expect(m.html).not.toContain('<b>');
    expect(m.html).toContain('<a href="https://pay.isp.example/r/x?a=1&amp;b=2">');
  });

  it('speaks the workspace default language, with its overrides', () => {
    const spanish: WorkspaceConfig = {
      ...workspace, locale: 'es-MX', defaultLanguage: 'es', languages: ['es'],
      messages: { es: { 'email.restored.subject': 'Ya tiene servicio, {name}' } },
    };
    const m = renderMessage('restored', { ...subscriber, contactName: 'Ana' }, plan, spanish, 'https://x.example/r/y', now);
    expect(m.subject).toBe('Ya tiene servicio, Ana');
    expect(m.html).toContain('<html lang="es">');
    expect(m.vars.date).toMatch(/marzo/);
  });
});

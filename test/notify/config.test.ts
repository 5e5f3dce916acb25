/** workspaces.yaml `mail:` and `webhook:` (src/config/mail.ts): defaults, secrets from file or env, every problem as `file: path: reason`. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { testConfig } from '../helpers/config.js';

const withWorkspace = (yaml: string, files: Record<string, string> = {}) =>
  testConfig({ 'workspaces.yaml': (t) => t.replace('    name: Example ISP\n', `    name: Example ISP\n${yaml}`), ...files });

async function problems(dir: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig(dir, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('mail config', () => {
  it('is absent by default: no channel', async () => {
    const config = await loadConfig(testConfig(), {});
    expect(config.workspaceById.get('default')!.mail).toBeUndefined();
    expect(config.workspaceById.get('default')!.webhook).toBeUndefined();
  });

  it('fills the defaults and reads the password from the environment', async () => {
    const dir = withWorkspace(`    mail:
      host: smtp.isp.example
      user: radgate
      password: { env: SMTP_PASSWORD }
      from_address: billing@isp.example
      quiet_hours: { from: "21:00", to: "08:00" }
`);
    const mail = (await loadConfig(dir, { SMTP_PASSWORD: ' s3cret \n' })).workspaceById.get('default')!.mail!;
    expect(mail).toMatchObject({ host: 'smtp.isp.example', port: 587, security: 'starttls', user: 'radgate', fromAddress: 'billing@isp.example', fromName: undefined });
    expect(mail.password).toEqual({ source: 'env SMTP_PASSWORD', value: 's3cret' });
    expect(mail.notifyOn).toEqual(['due_soon', 'grace', 'expired', 'restored']);
    expect(mail.quietHours).toEqual({ from: { text: '21:00', minutes: 1260 }, to: { text: '08:00', minutes: 480 } });
  });

  it('reports every problem with file and path, never the secret', async () => {
    const dir = withWorkspace(`    mail:
      host: smtp.isp.example
      security: ssl
      user: radgate
      password: { file: missing.pass }
      from_address: not-an-address
      reply_to: also bad
      notify_on: [due_soon, paid]
      quiet_hours: { from: "9pm", to: "08:00" }
      colour: blue
    webhook:
      url: http://hooks.isp.example/radgate
      key: { env: HOOK_KEY }
`);
    const found = await problems(dir, { HOOK_KEY: 'short-key' });
    const text = found.join('\n');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.security: must be one of starttls, tls, none, got "ssl"');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.from_address: "not-an-address" is not an e-mail address');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.reply_to:');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.notify_on[1]: must be one of due_soon, grace, expired, suspended, restored, got "paid"');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.quiet_hours.from: must be a time of day');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.colour: unknown key');
    expect(text).toContain('workspaces.yaml: workspaces[0].mail.password.file: cannot read "missing.pass"');
    expect(text).toContain('workspaces.yaml: workspaces[0].webhook.url: must be an https URL (http only to a loopback address such as 127.0.0.1)');
    expect(text).toContain('workspaces.yaml: workspaces[0].webhook.key.env: the key must be at least 32 printable characters, got 9');
    expect(text).not.toContain('short-key');
  });

  it('user and password go together; a webhook to 127.0.0.1 over http is allowed', async () => {
    const dir = withWorkspace(`    mail:
      host: 127.0.0.1
      port: 2525
      security: none
      user: radgate
      from_address: billing@isp.example
    webhook:
      url: http://127.0.0.1:9000/hook
      key: { file: hook.key }
`, { 'hook.key': 'k'.repeat(40) });
    expect(await problems(dir)).toEqual(['workspaces.yaml: workspaces[0].mail.password: user and password go together (both or neither)']);
  });
});

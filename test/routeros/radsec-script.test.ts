/**
 * The RadSec variant of `radgate router-script` (docs/radsec.md, The RouterOS side): `/radius` with
 * protocol=radsec, the certificate and the fixed secret, one TLS port for auth and acct, the certificate import
 * steps as comments; the same escaping and idempotent structure as the UDP script (golden file radsec.rsc).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkiInit, pkiServer } from '../../src/cli/pki-commands.js';
import { loadConfig } from '../../src/config/index.js';
import { RadgateError } from '../../src/errors.js';
import { desiredConfiguration } from '../../src/routeros/desired.js';
import { desiredFor } from '../../src/routeros/input.js';
import { renderScript } from '../../src/routeros/script.js';
import { checkScript, quotedAssignments } from '../helpers/routeros-script-check.js';
import { commandsOf, tokenize } from '../helpers/routeros-tokens.js';
import { goldenResolver, removeRouterConfigs, routerConfig, TRICKY_SECRET } from './router-config.js';

let pkiDir: string;
afterAll(() => {
  removeRouterConfigs();
  rmSync(pkiDir, { recursive: true, force: true });
});

beforeAll(async () => {
  pkiDir = mkdtempSync(path.join(os.tmpdir(), 'radgate-pki-'));
  await pkiInit(pkiDir);
  await pkiServer(pkiDir, 'radius.isp.example');
}, 30_000);

const golden = fileURLToPath(new URL('./golden/radsec.rsc', import.meta.url));

function radsecDir(radsec: Record<string, unknown> = { subject: 'core-1' }, port = 2083): string {
  const dir = routerConfig({ core: { radsec } });
  const file = path.join(dir, 'server.yaml');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { server: Record<string, unknown> };
  doc.server['radsec'] = { port, cert_file: path.join(pkiDir, 'server.crt'), key_file: path.join(pkiDir, 'server.key'), ca_file: path.join(pkiDir, 'ca.crt') };
  writeFileSync(file, YAML.stringify(doc));
  return dir;
}

async function render(dir: string): Promise<string> {
  return renderScript(await desiredFor(await loadConfig(dir, {}), 'core-1', goldenResolver()));
}

describe('router-script for a RadSec NAS', () => {
  it('matches the golden file', async () => {
    const text = await render(radsecDir());
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('protocol=radsec, the certificate, the fixed secret (never the NAS own secret), one port for both', async () => {
    const text = await render(radsecDir({ subject: 'core-1', certificate: 'core-1-radsec' }, 2084));
    expect(text).toContain('/radius add address=192.0.2.10 protocol=radsec certificate=core-1-radsec secret=radsec service=ppp authentication-port=2084 accounting-port=2084');
    expect(text.match(/ secret=\S+/g)).toEqual([' secret=radsec', ' secret=radsec']); // add and set
    expect(text).not.toContain(TRICKY_SECRET.slice(0, 4));
    expect(text).toContain('#   /certificate import file-name=core-1.crt passphrase=""');
    expect(checkScript(text).errors).toEqual([]);
  });

  it('re-renders byte-identically', async () => {
    const dir = radsecDir();
    expect(await render(dir)).toBe(await render(dir));
  });

  it('a port 0 listener cannot be rendered for a router', async () => {
    await expect(render(radsecDir({ subject: 'core-1' }, 0))).rejects.toThrow(RadgateError);
    await expect(render(radsecDir({ subject: 'core-1' }, 0))).rejects.toThrow(/server\.radsec\.port is 0/);
  });

  it('a hostile certificate name stays one value (validation bypassed)', async () => {
    const config = await loadConfig(radsecDir(), {});
    const model = await desiredFor(config, 'core-1', goldenResolver());
    expect(model.objects[0]!.properties.find((p) => p.name === 'certificate')?.value).toBe('core-1.crt_0');
    const hostile = 'x" ; /system reboot ; :put "$[/system reset-configuration]\n';
    const base = config.nas.find((n) => n.name === 'core-1')!;
    const renderWith = (certificate: string) => renderScript(desiredConfiguration({
      nasName: 'core-1', workspaceId: 'default', secret: base.secret, coaPort: 3799, router: base.router!, radgateAuthPort: 1812, radgateAcctPort: 1813,
      expiredProfile: { group: 'expired', addressList: 'radgate-unpaid', rateLimit: undefined }, allowedHosts: [],
      redirect: { ip: '192.0.2.20', port: 8081, origin: 'test' }, radsec: { port: 2083, certificate, coa: 'udp' },
    }));
    const text = renderWith(hostile);
    // The same commands as with a plain name: the hostile text added none.
    expect(commandsOf(tokenize(text))).toEqual(commandsOf(tokenize(renderWith('plain'))));
    expect(quotedAssignments(text, 'certificate')).toEqual([hostile, hostile]);
  });
});

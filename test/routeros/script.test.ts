import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RadgateError } from '../../src/errors.js';
import { desiredFor } from '../../src/routeros/input.js';
import { onDownScript, onUpScript } from '../../src/routeros/ppp-scripts.js';
import { duration, parseDuration, quote, readQuoted, value } from '../../src/routeros/rsc.js';
import { checkScript, PPP_SCRIPT_VARIABLES, quotedAssignments } from '../helpers/routeros-script-check.js';
import { renderScript } from '../../src/routeros/script.js';
import { fakeResolver, goldenResolver, removeRouterConfigs, routerConfig, TRICKY_SECRET } from './router-config.js';

afterAll(removeRouterConfigs);

const golden = (name: string) => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));

async function render(nas: string, dir = routerConfig(), resolver = goldenResolver()): Promise<string> {
  const config = await loadConfig(dir, {});
  return renderScript(await desiredFor(config, nas, resolver));
}

/** Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (then review the diff). */
function expectGolden(text: string, name: string): void {
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden(name), text);
  expect(text).toBe(readFileSync(golden(name), 'utf8'));
}

describe('rendered scripts', () => {
  it('PPPoE NAS: matches the golden file', async () => {
    expectGolden(await render('core-1'), 'pppoe.rsc');
  });

  it('HotSpot NAS: matches the golden file', async () => {
    expectGolden(await render('hs-1'), 'hotspot.rsc');
  });

  it('re-renders byte-identically, whatever order DNS answers in', async () => {
    const dir = routerConfig();
    const first = await render('core-1', dir, fakeResolver({ 'pay.isp.example': ['198.51.100.30', '198.51.100.20'] }));
    const second = await render('core-1', dir, fakeResolver({ 'pay.isp.example': ['198.51.100.20', '198.51.100.30'] }));
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(first).toContain('to-addresses=198.51.100.20 to-ports=8081');
  });

  it('PPPoE has the RADIUS, CoA, PPP and firewall parts; HotSpot the walled garden instead of the PPP parts', async () => {
    const ppp = await render('core-1');
    expect(ppp).toContain('/radius incoming set accept=yes port=3799');
    expect(ppp).toContain('/ppp aaa set use-radius=yes accounting=yes interim-update=5m');
    expect(ppp).toContain('/ppp profile add name=expired address-list=radgate-unpaid rate-limit=256k/256k on-up=');
    expect(ppp).toContain('service=ppp authentication-port=1812 accounting-port=1813 timeout=3s src-address=10.0.0.1');
    expect(ppp).not.toContain('/ip hotspot walled-garden add');
    const hotspot = await render('hs-1');
    expect(hotspot).toContain('/radius incoming set accept=yes port=1700');
    expect(hotspot).toContain('service=hotspot authentication-port=1812 accounting-port=1813 timeout=1s src-address=0.0.0.0');
    expect(hotspot).not.toContain('/ppp aaa set');
    expect(hotspot).not.toContain('/ppp profile add');
    expect(hotspot).toContain('/ip hotspot walled-garden add dst-host="*.checkout.gateway.example" action=allow comment="radgate:wg:*.checkout.gateway.example"');
    expect(hotspot).toContain('/ip hotspot walled-garden ip add dst-host=pay.isp.example action=accept comment="radgate:wg-ip:pay.isp.example"');
    // Switching a NAS from ppp to hotspot removes the radgate PPP profile it had.
    expect(hotspot).toContain('/ppp profile remove [find where comment~"^radgate:"]');
  });

  it('escapes the shared secret so RouterOS reads it back exactly', async () => {
    const text = await render('core-1');
    const secrets = quotedAssignments(text, 'secret');
    expect(secrets).toHaveLength(2); // add and set
    for (const secret of secrets) expect(secret).toBe(TRICKY_SECRET);
    expect(text).toContain('secret="k7Qe\\"9x\\$2L\\\\mP4\\?vB8nZ"');
  });

  it('the whole script passes the checker with no outside variables', async () => {
    for (const nas of ['core-1', 'hs-1']) {
      const result = checkScript(await render(nas));
      expect(result.errors).toEqual([]);
      expect(result.referenced).toEqual(expect.arrayContaining(['ids', 'anchors', 'all']));
    }
  });

  it('the on-up / on-down scripts in the .rsc decode to the profile scripts and use only PPP variables', async () => {
    const text = await render('core-1');
    const onUp = quotedAssignments(text, 'on-up');
    const onDown = quotedAssignments(text, 'on-down');
    expect(onUp).toEqual([onUpScript('radgate-unpaid'), onUpScript('radgate-unpaid')]);
    expect(onDown).toEqual([onDownScript('radgate-unpaid'), onDownScript('radgate-unpaid')]);
    for (const script of [onUp[0]!, onDown[0]!]) {
      const result = checkScript(script, PPP_SCRIPT_VARIABLES);
      expect(result.errors).toEqual([]);
      const outside = result.referenced.filter((v) => PPP_SCRIPT_VARIABLES.includes(v));
      expect(outside).toEqual(['user', 'remote-address']);
    }
    // on-up: drop this user's older entries, then add the session address commented with the user.
    expect(onUp[0]).toContain('comment=$radgateTag or (address=$radgateAddress');
    expect(onUp[0]).toContain('/ip firewall address-list add list=$radgateList address=$radgateAddress comment=$radgateTag');
    // on-down: only this user's entry for this session's address.
    expect(onDown[0]).toContain('remove [find where list=$radgateList and dynamic=no and comment=$radgateTag and address=$radgateAddress]');
  });

  it('an address-list name that needs escaping survives the double quoting', () => {
    const list = 'un"paid $list\\x';
    const script = onUpScript(list);
    expect(checkScript(script, PPP_SCRIPT_VARIABLES).errors).toEqual([]);
    const [line] = script.split('\n');
    expect(readQuoted(line!, line!.indexOf('"')).text).toBe(list);
    const rsc = `/ppp profile set x on-up=${quote(script)}`;
    expect(quotedAssignments(rsc, 'on-up')).toEqual([script]);
  });
});

describe('redirect target resolution', () => {
  const failure = async (dir: string, resolver = fakeResolver({})) => {
    const config = await loadConfig(dir, {});
    const error = await desiredFor(config, 'core-1', resolver).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RadgateError);
    expect((error as RadgateError).code).toBe('ROUTER_RENDER');
    return (error as RadgateError).message;
  };
  const fix = 'set redirect_ip for workspace "default" in workspaces.yaml (the IPv4 address at which routers reach radgate\'s captive listener), or fix the name';

  it('an unresolvable reminder host is an error naming workspace, NAS and host', async () => {
    expect(await failure(routerConfig())).toBe(`workspace "default", NAS "core-1": reminder_host "pay.isp.example" cannot be resolved (ENOTFOUND); ${fix}`);
  });

  it('a reminder host resolving to loopback is refused', async () => {
    expect(await failure(routerConfig(), fakeResolver({ 'pay.isp.example': ['127.0.1.1'] }))).toBe(
      `workspace "default", NAS "core-1": reminder_host "pay.isp.example" resolves to 127.0.1.1 (loopback), which a router cannot redirect subscribers to; ${fix}`,
    );
  });

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['169.254.10.1', 'link-local'],
    ['224.0.0.5', 'multicast'],
    ['255.255.255.255', 'reserved/broadcast'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
  ])('a reminder host resolving to %s is refused (%s)', async (ip, kind) => {
    const message = await failure(routerConfig(), fakeResolver({ 'pay.isp.example': ['198.51.100.20', ip] }));
    expect(message).toContain(`resolves to ${ip} (${kind}), which a router cannot redirect subscribers to`);
  });

  it('a reminder host with only IPv6 addresses is refused (dst-nat needs IPv4)', async () => {
    expect(await failure(routerConfig(), fakeResolver({ 'pay.isp.example': ['2001:db8::20'] }))).toBe(
      `workspace "default", NAS "core-1": reminder_host "pay.isp.example" resolves only to IPv6 (2001:db8::20); RouterOS /ip firewall nat needs an IPv4 address; ${fix}`,
    );
  });

  it('an explicit redirect_ip overrides resolution (DNS is not asked)', async () => {
    const resolver = fakeResolver({});
    const text = await render('core-1', routerConfig({ workspace: { redirect_ip: '203.0.113.10' } }), resolver);
    expect(resolver.lookups).toEqual([]);
    expect(text).toContain('action=dst-nat to-addresses=203.0.113.10 to-ports=8081');
    expect(text).toContain('dst-address=203.0.113.10 dst-port=8081 action=accept comment="radgate:captive"');
    expect(text).toContain('HTTP redirected to 203.0.113.10:8081 (redirect_ip of the workspace)');
  });

  it('a NAS without a router: section cannot be rendered', async () => {
    const config = await loadConfig(routerConfig(), {});
    await expect(desiredFor(config, 'local', goldenResolver())).rejects.toThrow(
      'NAS "local" has no router: section in nas.yaml; add one with at least radgate_address (radgate\'s address as the router reaches it)',
    );
    await expect(desiredFor(config, 'nope', goldenResolver())).rejects.toMatchObject({ code: 'NAS_UNKNOWN', message: 'unknown NAS "nope" (nas.yaml defines: local, core-1, hs-1)' });
  });
});

describe('RouterOS syntax helpers', () => {
  it('quote / readQuoted round-trip every awkward character', () => {
    for (const text of ['', 'plain', 'a "b" c', '$user', 'back\\slash', 'what?', 'line\nbreak\r\ttab', 'ünïcödé €', '\x01\x7f', '\\41 not hex']) {
      const quoted = quote(text);
      expect(readQuoted(quoted, 0)).toEqual({ text, end: quoted.length });
      expect(checkScript(quoted).errors).toEqual([]);
    }
    expect(quote('a"$\\?\n€')).toBe('"a\\"\\$\\\\\\?\\n\\E2\\82\\AC"');
  });

  it('writes bare values only when unambiguous', () => {
    expect(value('radgate-unpaid')).toBe('radgate-unpaid');
    expect(value('!radgate-allow')).toBe('!radgate-allow');
    expect(value('256k/256k')).toBe('256k/256k');
    expect(value('*.pay.example')).toBe('"*.pay.example"');
    expect(value('*1A')).toBe('"*1A"');
    expect(value('')).toBe('""');
    expect(value('two words')).toBe('"two words"');
  });

  it('formats and parses RouterOS durations', () => {
    expect([3, 0.5, 300, 90, 3600, 86400 + 7200, 1.5].map(duration)).toEqual(['3s', '500ms', '5m', '1m30s', '1h', '1d2h', '1s500ms']);
    expect(['5m', '00:05:00', '1d2h', '1w2d00:00:10', '300ms', '300', 'soon'].map(parseDuration)).toEqual([300, 300, 93600, 777610, 0.3, 300, undefined]);
  });

  it('the checker catches what a renderer can get wrong', () => {
    const errors = (s: string, vars: readonly string[] = []) => checkScript(s, vars).errors;
    expect(errors(':local a 1\n:put $a')).toEqual([]);
    expect(errors(':put $b')).toEqual(['line 1: variable $b is not defined here']);
    expect(errors(':put $"remote-adress"', PPP_SCRIPT_VARIABLES)).toEqual(['line 1: variable $"remote-adress" is not defined here']);
    expect(errors('{ :local a 1 }\n:put $a')).toEqual(['line 2: variable $a is not defined here']);
    expect(errors(':put [:len "x"')).toEqual(['line 1: "[" is never closed']);
    expect(errors(':put ("x"]')).toEqual(['line 1: "]" closes "(" opened on line 1']);
    expect(errors(':put "a $ b"')).toEqual(['line 1: "$" in a string not followed by a variable name (escape it as \\$)']);
    expect(errors(':put "cost: $price"')).toEqual(['line 1: variable $price is not defined here']);
    expect(errors(':put "bad \\q"')).toEqual(['line 1: unknown escape "\\q" in a string']);
    expect(errors(':put "open')).toEqual(['line 1: string never closed']);
    expect(errors(':global g 1')).toEqual(['line 1: :global g (radgate scripts declare only locals)']);
  });
});

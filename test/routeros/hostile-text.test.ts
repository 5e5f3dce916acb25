/**
 * The renderer's own defence against hostile text (docs/routeros.md §8), with config validation bypassed: the model
 * is built straight from a `RouterInput` whose every free-text slot holds random hostile text (line breaks, `\r`,
 * `;`, braces, `$`, brackets, quotes, backslashes, `#`, `?`, NUL, C1 controls, non-ASCII). The rendered script must
 * tokenize strictly (test/helpers/routeros-tokens.ts) into exactly the commands, lines and structure of a render
 * with plain values, and every hostile value must come back from the tokenizer whole, as one value (or inside one
 * comment line). The generator is seeded: a failure names its seed; `ROUTEROS_FUZZ_SEED=<n>` reruns from it.
 */
import { describe, expect, it } from 'vitest';
import { desiredConfiguration, type RouterInput } from '../../src/routeros/desired.js';
import { comment } from '../../src/routeros/rsc.js';
import { renderScript } from '../../src/routeros/script.js';
import type { RouterService } from '../../src/config/index.js';
import { prng } from '../../bench/requests.js';
import { checkScript, PPP_SCRIPT_VARIABLES } from '../helpers/routeros-script-check.js';
import { commandsOf, skeletonOf, tokenize, valuesOf, type Token } from '../helpers/routeros-tokens.js';

const PIECES = [
  '\n', '\r', '\r\n', '\n/system reboot\n', '\n:put "pwned"', ';', '; /system reset-configuration', '{', '}', '$', '$user',
  '$"remote-address"', '$[/system reboot]', '[', ']', '"', '\\', '\\n', '\\"', '#', '?', '=', ' ', '\t', '\0', '\x7f',
  '\u0085', '\u009b2J', '\u2028', '\ufeff', 'é', '€', '\u{1F600}', '*1A', '!', 'a', 'Z', '0', '.', '-', 'radgate:',
];

function hostileText(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  let out = '';
  for (let n = 1 + Math.floor(random() * 10); n > 0; n--) out += pick(PIECES);
  return out;
}

/** Every free-text slot of a RouterInput; hosts are a list. */
interface Slots {
  nasName: string;
  workspaceId: string;
  secret: string;
  radgateAddress: string;
  srcAddress: string;
  group: string;
  addressList: string;
  rateLimit: string;
  redirectIp: string;
  origin: string;
  hosts: string[];
}
const SCALAR_SLOTS = ['nasName', 'workspaceId', 'secret', 'radgateAddress', 'srcAddress', 'group', 'addressList', 'rateLimit', 'redirectIp', 'origin'] as const;

function inputOf(slots: Slots, services: readonly RouterService[], ipv6 = false): RouterInput {
  return {
    nasName: slots.nasName,
    workspaceId: slots.workspaceId,
    secret: slots.secret,
    coaPort: 3799,
    router: {
      services,
      radgateAddress: slots.radgateAddress,
      srcAddress: slots.srcAddress,
      radiusTimeoutSeconds: 3,
      interimIntervalSeconds: 300,
      reconcileIntervalSeconds: undefined,
      reconcileFix: false,
      ipv6,
    },
    radgateAuthPort: 1812,
    radgateAcctPort: 1813,
    expiredProfile: { group: slots.group, addressList: slots.addressList, rateLimit: slots.rateLimit },
    allowedHosts: slots.hosts,
    redirect: { ip: slots.redirectIp, port: 8081, origin: slots.origin },
  };
}

/**
 * Hostile slots and their plain twins: each plain value is a placeholder `ZQ<n>QZ` (a host keeps the `*.` of a
 * wildcard, which changes the model's shape), and `substitute` turns any plain text into what the hostile render must
 * hold in its place.
 */
function scenario(random: () => number) {
  const hostile = Object.fromEntries(SCALAR_SLOTS.map((slot) => [slot, hostileText(random)])) as Omit<Slots, 'hosts'>;
  const hosts = Array.from({ length: Math.floor(random() * 4) }, () => (random() < 0.25 ? `*.${hostileText(random)}` : hostileText(random)));
  const replacement = new Map<string, string>();
  const placeholder = (text: string) => {
    const key = `ZQ${replacement.size}QZ`;
    replacement.set(key, text);
    return key;
  };
  const plain = Object.fromEntries(SCALAR_SLOTS.map((slot) => [slot, placeholder(hostile[slot])])) as Omit<Slots, 'hosts'>;
  const plainHosts = hosts.map((h) => (h.startsWith('*.') ? `*.${placeholder(h.slice(2))}` : placeholder(h)));
  const services: RouterService[] = [['ppp'], ['hotspot'], ['ppp', 'hotspot']][Math.floor(random() * 3)] as RouterService[];
  const substitute = (text: string) => text.replace(/ZQ\d+QZ/g, (key) => replacement.get(key)!);
  // Drawn last, so the draws above are the ones every earlier seed made: the IPv6 part (router.ipv6) in half the runs.
  const ipv6 = random() < 0.5;
  return { hostile: { ...hostile, hosts }, plain: { ...plain, hosts: plainHosts }, services, ipv6, substitute };
}

/** Values that are scripts themselves: compared token by token, recursively. */
const SCRIPT_PARAMS = new Set(['on-up', 'on-down']);

const comments = (tokens: readonly Token[]) => tokens.flatMap((t) => (t.kind === 'comment' ? [t.text] : []));

/** The hostile render has the plain render's commands, lines and structure; each value is the plain one substituted. */
function expectSameShape(plainSource: string, hostileSource: string, substitute: (text: string) => string): void {
  const plain = tokenize(plainSource);
  const hostile = tokenize(hostileSource);
  // Joined into lines: one string comparison per script, and a readable diff when they differ.
  expect(commandsOf(hostile).join('\n')).toBe(commandsOf(plain).join('\n'));
  expect(skeletonOf(hostile).join(' ')).toBe(skeletonOf(plain).join(' '));
  const plainValues = valuesOf(plain);
  const hostileValues = valuesOf(hostile);
  expect(hostileValues.map((v) => v.param)).toEqual(plainValues.map((v) => v.param));
  const isScript = (v: { param: string }) => SCRIPT_PARAMS.has(v.param);
  expect(hostileValues.filter((v) => !isScript(v)).map((v) => v.value)).toEqual(plainValues.filter((v) => !isScript(v)).map((v) => substitute(v.value)));
  plainValues.forEach((p, k) => {
    if (isScript(p)) expectSameShape(p.value, hostileValues[k]!.value, substitute);
  });
  expect(comments(hostile)).toEqual(comments(plain).map(substitute));
}

const BASE_SEED = Number(process.env['ROUTEROS_FUZZ_SEED'] ?? 0x5eed);
const RUNS = 300;

describe('hostile text in every free-text slot, rendered without config validation', () => {
  it(`${RUNS} seeded renders from seed ${BASE_SEED}: same commands and lines as plain values, every value whole`, () => {
    for (let run = 0; run < RUNS; run++) {
      const seed = BASE_SEED + run;
      try {
        const { hostile, plain, services, ipv6, substitute } = scenario(prng(seed));
        const hostileScript = renderScript(desiredConfiguration(inputOf(hostile, services, ipv6)));
        const plainScript = renderScript(desiredConfiguration(inputOf(plain, services, ipv6)));
        expectSameShape(plainScript, hostileScript, substitute);
        expect(checkScript(hostileScript).errors).toEqual([]);

        // Each hostile value is one value token of the script (or of the on-up script), or inside one comment line.
        const tokens = tokenize(hostileScript);
        const values = valuesOf(tokens).map((v) => v.value);
        const onUp = valuesOf(tokens).filter((v) => v.param === 'on-up').flatMap((v) => valuesOf(tokenize(v.value)).map((w) => w.value));
        const asValues = [hostile.secret, hostile.radgateAddress, hostile.srcAddress, hostile.addressList, hostile.redirectIp, ...hostile.hosts];
        if (services.includes('ppp')) asValues.push(hostile.group, hostile.rateLimit);
        for (const text of asValues) expect(values).toContain(text);
        if (services.includes('ppp')) expect(onUp).toContain(hostile.addressList);
        const header = comments(tokens);
        const inHeader = [hostile.nasName, hostile.workspaceId, hostile.origin, hostile.addressList, ...(services.includes('hotspot') ? [hostile.group] : [])];
        for (const text of inHeader) expect(header.some((c) => c.includes(text))).toBe(true);
        // The IPv6 part takes the same list name and hosts: as values of its own commands, never a command of theirs.
        expect(commandsOf(tokens).includes('/ipv6 firewall filter add')).toBe(ipv6);
        if (ipv6) expect(values.filter((v) => v === hostile.addressList).length).toBeGreaterThan(valuesOf(tokenize(renderScript(desiredConfiguration(inputOf(hostile, services))))).filter((v) => v.value === hostile.addressList).length);
      } catch (error) {
        throw new Error(`seed ${seed} (rerun with ROUTEROS_FUZZ_SEED=${seed}): ${(error as Error).message}`, { cause: error });
      }
    }
  });

  it('the review case: group and address list "expired\\n/system reboot" stay inside their comment lines and strings', () => {
    const injected = 'expired\n/system reboot';
    const slots: Slots = {
      nasName: 'core-1', workspaceId: 'default', secret: 's3cret-s3cret-s3cret', radgateAddress: '192.0.2.10', srcAddress: '10.0.0.1',
      group: injected, addressList: injected, rateLimit: '256k/256k', redirectIp: '198.51.100.20', origin: 'redirect_ip', hosts: ['pay.isp.example'],
    };
    const script = renderScript(desiredConfiguration(inputOf(slots, ['ppp', 'hotspot'])));
    const lines = script.split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('/system'))).toEqual([]);
    expect(lines).toContain('# Unpaid subscribers (address list expired\\0A/system reboot): HTTP redirected to 198.51.100.20:8081 (redirect_ip).');
    expect(lines).toContain('# radgate does not manage that profile. Mikrotik-Group names the HotSpot user profile (expired\\0A/system reboot) for unpaid users.');
    expect(commandsOf(tokenize(script)).filter((c) => c.startsWith('/system'))).toEqual([]);
    expect(valuesOf(tokenize(script)).filter((v) => v.param === 'name').map((v) => v.value)).toEqual([injected, injected, injected]);
  });
});

describe('comment lines (rsc.ts comment)', () => {
  it('write control characters, non-ASCII, "\\" and "?" as \\XX so the text stays on its line', () => {
    expect(comment('a\nb\r\0\x9b\\?é ok')).toBe('# a\\0Ab\\0D\\00\\C2\\9B\\5C\\3F\\C3\\A9 ok');
    expect(comment('')).toBe('#');
    expect(comment('ends in \\')).toBe('# ends in \\5C');
    const [token, ...rest] = tokenize(comment('x\n/system reboot\n?\\ü'));
    expect(rest).toEqual([]);
    expect(token).toEqual({ kind: 'comment', text: 'x\n/system reboot\n?\\ü', line: 1 });
  });
});

describe('the tokenizer (self-test: it can fail)', () => {
  const fails = (source: string) => expect(() => tokenize(source)).toThrow(SyntaxError);

  it('refuses what the renderer must never write', () => {
    fails('# a\rb\n');
    fails('# a\x9b\n');
    fails('# what?\n');
    fails('# ends in a backslash \\\n');
    fails('# bad \\q escape\n');
    fails('/ppp profile add name="a$b"\n');
    fails('/ppp profile add name="a?b"\n');
    fails('/ppp profile add name="a\\qb"\n');
    fails('/ppp profile add name="open\n');
    fails('/ppp profile add name="a\nb"\n');
    fails('/ppp profile add name=a\tb\n');
    fails('/ppp profile add name=é\n');
    fails('/ppp profile add name=a # b\n');
  });

  it('an injected line is a command of its own, and changes the skeleton', () => {
    const safe = tokenize('# a\n/ppp profile add name=x\n');
    const injected = tokenize('# a\n/system reboot\n/ppp profile add name=x\n');
    expect(commandsOf(safe)).toEqual(['/ppp profile add']);
    expect(commandsOf(injected)).toEqual(['/system reboot', '/ppp profile add']);
    expect(skeletonOf(injected)).not.toEqual(skeletonOf(safe));
  });

  it('reads values bare and quoted, with their parameters, and the commands of nested blocks', () => {
    const tokens = tokenize(':if ([:len [/radius find where comment!="radgate:radius"]] = 0) do={ /radius add address=192.0.2.10 secret="a\\"b\\$c\\E2\\82\\AC" }\n');
    expect(commandsOf(tokens)).toEqual([':if', ':len', '/radius find where', '/radius add']);
    expect(valuesOf(tokens)).toEqual([
      { param: 'comment!', value: 'radgate:radius' },
      { param: 'address', value: '192.0.2.10' },
      { param: 'secret', value: 'a"b$c€' },
    ]);
    expect(skeletonOf(tokens).join(' ')).toBe(':if ( [ :len [ /radius find where comment!=<v> ] ] = 0 ) do= { /radius add address=<v> secret=<v> } \\n');
    // A bare value and a quoted one have the same skeleton: only the text differs.
    expect(skeletonOf(tokenize('/ppp profile add name=x\n'))).toEqual(skeletonOf(tokenize('/ppp profile add name="x y"\n')));
  });

  it('the on-up script a PPP profile gets tokenizes too, with its variables', () => {
    const script = renderScript(desiredConfiguration(inputOf({
      nasName: 'n', workspaceId: 'w', secret: 's', radgateAddress: '192.0.2.10', srcAddress: '0.0.0.0', group: 'expired',
      addressList: 'radgate-unpaid', rateLimit: '', redirectIp: '198.51.100.20', origin: 'o', hosts: [],
    }, ['ppp'])));
    const onUp = valuesOf(tokenize(script)).find((v) => v.param === 'on-up')!.value;
    const tokens = tokenize(onUp);
    expect(tokens.filter((t) => t.kind === 'variable').map((t) => (t.kind === 'variable' ? t.name : ''))).toEqual(
      expect.arrayContaining(['user', 'remote-address', 'radgateList']),
    );
    expect(checkScript(onUp, PPP_SCRIPT_VARIABLES).errors).toEqual([]);
  });
});

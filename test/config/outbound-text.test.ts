/**
 * Config text that reaches a router or a RADIUS reply (src/config/outbound-text.ts): every hostile class — control
 * characters (C0, DEL, C1), unpaired surrogates, lengths, characters a RouterOS name cannot hold — refused with its
 * exact `file: path: reason`, in every key the rule covers; values at the limits still load.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  MAX_ATTRIBUTE_OCTETS, MAX_REPLY_MESSAGE_TEXT, MAX_ROUTEROS_NAME, MAX_VENDOR_ATTRIBUTE_OCTETS, routerNameProblem,
  textProblem,
} from '../../src/config/outbound-text.js';
import { selectProfile } from '../../src/profile/reply-profile.js';
import { addNas, copyExample, edit, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const PRINTABLE = 'text sent to routers and in RADIUS replies must be printable';
const NAME_CHARS = '(letters, digits, spaces and _ . : @ + / - are)';
const WS = (key: string) => `workspaces.yaml: workspaces[0].${key}`;
const editWs = (from: string, to: string) => (dir: string) => edit(dir, 'workspaces.yaml', from, to);
const editPlans = (from: string, to: string) => (dir: string) => edit(dir, 'plans.yaml', from, to);

describe('the rule itself', () => {
  it('refuses exactly the C0 controls, DEL and the C1 controls, naming the first by code point and position', () => {
    for (let cp = 0; cp <= 0x2ff; cp++) {
      const problem = textProblem(`ab${String.fromCodePoint(cp)}c`);
      const control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
      expect(problem === undefined, `U+${cp.toString(16)}`).toBe(!control);
      if (control) expect(problem).toMatch(new RegExp(`^contains a control character, U\\+${cp.toString(16).toUpperCase().padStart(4, '0')} \\(.+\\), at character 3: `));
    }
    expect(textProblem('x\u2028y\u{1F600}é€')).toBeUndefined(); // printable beyond Latin-1, a surrogate pair included
  });

  it('refuses an unpaired surrogate, high or low, but not a pair', () => {
    expect(textProblem('a\uD83D')).toBe('is not valid Unicode: unpaired surrogate U+D83D at character 2 (it has no UTF-8 form)');
    expect(textProblem('\uDE00a')).toBe('is not valid Unicode: unpaired surrogate U+DE00 at character 1 (it has no UTF-8 form)');
    expect(textProblem('\uDE00\uD83D')).toMatch(/^is not valid Unicode/);
    expect(textProblem('\uD83D\uDE00')).toBeUndefined();
  });

  it('names: the character set, the first character, no trailing space, at most 64 characters', () => {
    for (const ok of ['expired', 'radgate-unpaid', 'Plan 10M', 'home_v2.1', 'a:b@c+d/e-f', '9', 'x'.repeat(MAX_ROUTEROS_NAME)]) {
      expect(routerNameProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ['a,b', 'a;b', 'a{b}', 'a$b', 'a[b]', 'a"b', 'a\\b', 'a#b', 'a=b', 'a?b', 'a*b', 'é', 'a\u00a0b']) {
      expect(routerNameProblem(bad), bad).toMatch(/ is not a RouterOS name: ".+" is not allowed /);
    }
    expect(routerNameProblem('!unpaid')).toBe(`"!unpaid" is not a RouterOS name: "!" is not allowed ${NAME_CHARS}`);
    expect(routerNameProblem('-unpaid')).toBe('"-unpaid" is not a RouterOS name: it must start with a letter or digit');
    expect(routerNameProblem(' unpaid')).toBe('" unpaid" is not a RouterOS name: it must start with a letter or digit');
    expect(routerNameProblem('unpaid ')).toBe('"unpaid " is not a RouterOS name: it must not end in a space');
    expect(routerNameProblem('x'.repeat(MAX_ROUTEROS_NAME + 1))).toBe('is 65 characters; a RouterOS name has at most 64');
  });
});

const long = (n: number) => 'x'.repeat(n);

const BROKEN: BrokenCase[] = [
  {
    name: 'a line break in expired_profile.group (it would become a command line of the router script)',
    change: editWs('      group: expired', '      group: "expired\\n/system reboot"'),
    problems: [`${WS('expired_profile.group')}: contains a control character, U+000A (line feed), at character 8: ${PRINTABLE}`],
  },
  {
    name: 'a line break from a YAML block scalar in a plan group',
    change: editPlans('    group: home\n', '    group: |\n      home\n      /system reboot\n'),
    problems: [`plans.yaml: plans[0].group: contains a control character, U+000A (line feed), at character 5: ${PRINTABLE}`],
  },
  {
    name: 'a carriage return in expired_profile.address_list',
    change: editWs('      address_list: radgate-unpaid', '      address_list: "radgate-unpaid\\r"'),
    problems: [`${WS('expired_profile.address_list')}: contains a control character, U+000D (carriage return), at character 15: ${PRINTABLE}`],
  },
  {
    name: 'NUL in a plan pool',
    change: editPlans('    pool: pppoe-pool', '    pool: "pppoe\\0pool"'),
    problems: [`plans.yaml: plans[0].pool: contains a control character, U+0000 (NUL), at character 6: ${PRINTABLE}`],
  },
  {
    name: 'DEL in a plan address_list',
    change: editPlans('    group: home\n', '    group: home\n    address_list: "home\\x7f"\n'),
    problems: [`plans.yaml: plans[0].address_list: contains a control character, U+007F (DEL), at character 5: ${PRINTABLE}`],
  },
  {
    name: 'a C1 control (CSI, a terminal escape) in expired_profile.pool: named, never echoed',
    change: editWs('      # pool: unpaid-pool', '      pool: "unpaid\\x9b2J"'),
    problems: [`${WS('expired_profile.pool')}: contains a control character, U+009B (C1 control), at character 7: ${PRINTABLE}`],
  },
  {
    name: 'an unpaired surrogate in expired_profile.group',
    change: editWs('      group: expired', '      group: "expired\\uD800"'),
    problems: [`${WS('expired_profile.group')}: is not valid Unicode: unpaired surrogate U+D800 at character 8 (it has no UTF-8 form)`],
  },
  {
    name: 'RouterOS script syntax in a group name',
    change: editWs('      group: expired', '      group: \'expired" ; /system reboot ; :put "\''),
    problems: [`${WS('expired_profile.group')}: "expired\\" ; /system reboot ; :put \\"" is not a RouterOS name: "\\"" is not allowed ${NAME_CHARS}`],
  },
  {
    name: 'an address list starting with "!" (negation in a firewall rule)',
    change: editWs('      address_list: radgate-unpaid', '      address_list: "!radgate-allow"'),
    problems: [`${WS('expired_profile.address_list')}: "!radgate-allow" is not a RouterOS name: "!" is not allowed ${NAME_CHARS}`],
  },
  {
    name: 'a comma in a plan address list (a list separator)',
    change: editPlans('    group: home\n', '    group: home\n    address_list: "home,business"\n'),
    problems: [`plans.yaml: plans[0].address_list: "home,business" is not a RouterOS name: "," is not allowed ${NAME_CHARS}`],
  },
  {
    name: 'non-ASCII in a group name, quoted without echoing it',
    change: editPlans('    group: business', '    group: "biz\\u202Etxt"'),
    problems: [`plans.yaml: plans[1].group: "biz\\u202etxt" is not a RouterOS name: "\\u202e" is not allowed ${NAME_CHARS}`],
  },
  {
    name: 'a trailing space in a plan pool',
    change: editPlans('    pool: pppoe-pool', '    pool: "pppoe-pool "'),
    problems: ['plans.yaml: plans[0].pool: "pppoe-pool " is not a RouterOS name: it must not end in a space'],
  },
  {
    name: 'a group name longer than 64 characters',
    change: editWs('      group: expired', `      group: ${long(65)}`),
    problems: [`${WS('expired_profile.group')}: is 65 characters; a RouterOS name has at most 64`],
  },
  {
    name: 'a workspace name too long for the reject message',
    change: editWs('    name: Example ISP', `    name: ${'é'.repeat(91)}`),
    problems: [`${WS('name')}: is 182 bytes of UTF-8; Reply-Message, after radgate's own text, carries at most 180`],
  },
  {
    name: 'a line break in support_contact (Reply-Message)',
    change: editWs('    support_contact: call 555-0100 or billing@isp.example', '    support_contact: "call\\n555-0100"'),
    problems: [`${WS('support_contact')}: contains a control character, U+000A (line feed), at character 5: ${PRINTABLE}`],
  },
  {
    name: 'a tab in a reply attribute value (the value is not quoted: it may be a secret)',
    change: editPlans('      Filter-Id: business', '      Filter-Id: business\n      Mikrotik-Wireless-PSK: "psk\\tsecret"'),
    problems: [`plans.yaml: plans[1].reply_attributes.Mikrotik-Wireless-PSK: contains a control character, U+0009 (tab), at character 4: ${PRINTABLE}`],
  },
  {
    name: 'a vendor attribute over 247 bytes (Vendor-Specific) and a standard one over 253',
    change: editPlans('      Filter-Id: business', `      Filter-Id: business\n      Mikrotik-Realm: ${long(248)}\n      Callback-Id: ${long(254)}`),
    problems: [
      'plans.yaml: plans[1].reply_attributes.Mikrotik-Realm: is 248 bytes of UTF-8; a vendor attribute carries at most 247',
      'plans.yaml: plans[1].reply_attributes.Callback-Id: is 254 bytes of UTF-8; a RADIUS attribute carries at most 253',
    ],
  },
  {
    name: 'a Filter-Id (a firewall chain) that is not a RouterOS name',
    change: editPlans('      Filter-Id: business', '      Filter-Id: "business;drop"'),
    problems: [`plans.yaml: plans[1].reply_attributes.Filter-Id: "business;drop" is not a RouterOS name: ";" is not allowed ${NAME_CHARS}`],
  },
  {
    name: 'a rate limit over 247 bytes',
    change: editPlans('    rate_limit: 2M/10M', `    rate_limit: 1${'0'.repeat(250)}/10M`),
    problems: ['plans.yaml: plans[0].rate_limit: is 255 bytes of UTF-8; Mikrotik-Rate-Limit carries at most 247'],
  },
  {
    name: 'a control character in a shared secret (reported without the secret)',
    change: (dir) => edit(dir, 'nas.yaml', '    secret: testing123', '    secret: "testing\\t123"'),
    problems: [`nas.yaml: nas[0].secret: contains a control character, U+0009 (tab), at character 8: ${PRINTABLE}`],
  },
  {
    name: 'control characters in the RouterOS API user and password',
    change: (dir) => addNas(dir, [
      '  - name: core-1',
      '    address: 10.0.0.1',
      '    secret: k7Qe9x2LmP4vB8nZ',
      '    workspace: default',
      '    api:',
      '      user: "rad\\ngate"',
      '      password: "pw\\x85"',
      '',
    ].join('\n')),
    problems: [
      `nas.yaml: nas[1].api.user: contains a control character, U+000A (line feed), at character 4: ${PRINTABLE}`,
      `nas.yaml: nas[1].api.password: contains a control character, U+0085 (C1 control), at character 3: ${PRINTABLE}`,
    ],
  },
];

describe('hostile text in config: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

describe('values at the limits load', () => {
  it('names of 64 characters with every allowed character, attributes of 247 / 253 bytes, a name of 180 bytes', async () => {
    const dir = await copyExample();
    const name64 = `Plan 10M_v2.1:a@b+c/d-${'x'.repeat(MAX_ROUTEROS_NAME - 22)}`;
    await edit(dir, 'plans.yaml', '    group: home\n', `    group: "${name64}"\n    address_list: home-subscribers\n`);
    await edit(dir, 'plans.yaml', '      Filter-Id: business', `      Filter-Id: business.in\n      Mikrotik-Realm: ${long(MAX_VENDOR_ATTRIBUTE_OCTETS)}\n      Callback-Id: ${long(MAX_ATTRIBUTE_OCTETS)}`);
    await edit(dir, 'workspaces.yaml', '    name: Example ISP', `    name: ${'é'.repeat(MAX_REPLY_MESSAGE_TEXT / 2)}`);
    const config = await loadConfig(dir, {});
    expect(name64).toHaveLength(MAX_ROUTEROS_NAME);
    expect(config.plans[0]!.group).toBe(name64);
    expect(config.plans[1]!.replyAttributes).toEqual({ 'Filter-Id': 'business.in', 'Mikrotik-Realm': long(247), 'Callback-Id': long(253) });
    expect(config.workspaces[0]!.name).toBe('é'.repeat(90));
  });

  it('the longest reject message radgate builds, with name or support_contact at the limit, fits a Reply-Message', async () => {
    const dir = await copyExample();
    const limit = 'é'.repeat(MAX_REPLY_MESSAGE_TEXT / 2);
    await edit(dir, 'workspaces.yaml', '    name: Example ISP', `    name: ${limit}`);
    const withName = (await loadConfig(dir, {})).workspaces[0]!;
    await edit(dir, 'workspaces.yaml', '    support_contact: call 555-0100 or billing@isp.example', `    support_contact: ${limit}`);
    const withContact = (await loadConfig(dir, {})).workspaces[0]!;
    for (const workspace of [{ ...withName, supportContact: undefined }, withContact]) {
      for (const status of ['suspended', 'disabled', 'active'] as const) {
        const decision = selectProfile({ status, staticIp: null, plan: undefined, planName: 'gone', workspace });
        expect(decision.kind).toBe('refuse');
        const message = decision.kind === 'refuse' ? decision.message : '';
        expect(message).toContain(limit);
        expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(MAX_ATTRIBUTE_OCTETS);
      }
    }
  });
});

/** workspaces.yaml: ids, the expired profile, and what an unpaid subscriber sees (reminder host, payment URL, branding). */
import { afterAll, describe } from 'vitest';
import { edit, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const WS = (key: string) => `workspaces.yaml: workspaces[0].${key}`;
const editWs = (from: string, to: string) => (dir: string) => edit(dir, 'workspaces.yaml', from, to);

const BROKEN: BrokenCase[] = [
  {
    name: 'invalid rate limit in an expired profile',
    change: (dir) => edit(dir, 'workspaces.yaml', 'rate_limit: 256k/256k', 'rate_limit: 256kb/256kb'),
    problems: ['workspaces.yaml: workspaces[0].expired_profile.rate_limit: invalid Mikrotik-Rate-Limit "256kb/256kb": "256kb" is not a rate (use e.g. 512k, 10M)'],
  },
  {
    name: 'invalid workspace id',
    change: (dir) => edit(dir, 'workspaces.yaml', '    id: default', '    id: Default ISP'),
    problems: [
      'nas.yaml: nas[0].workspace: unknown workspace "default" (workspaces.yaml defines: Default ISP)',
      'workspaces.yaml: workspaces[0].id: "Default ISP" is not a valid id (lower-case letters, digits and "-", e.g. "north-isp")',
    ],
  },
  {
    name: 'unpaid enforcement without a reminder host (the payment URL then has no reachable host either)',
    change: editWs('    reminder_host: pay.isp.example\n', ''),
    problems: [
      `${WS('reminder_host')}: required because expired_profile restricts unpaid subscribers: they are redirected to https://<reminder_host>/`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host written as a URL',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: https://pay.isp.example/'),
    problems: [
      `${WS('reminder_host')}: "https://pay.isp.example/" must be a host name only, without scheme, port or path (e.g. pay.isp.example)`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host that subscribers cannot reach: localhost',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: localhost'),
    problems: [
      `${WS('reminder_host')}: "localhost" is not reachable by subscribers; use the public host name of the reminder app`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host given as an IP address',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: 192.0.2.10'),
    problems: [
      `${WS('reminder_host')}: "192.0.2.10" is an IP address; use a host name with a TLS certificate (links are https://<reminder_host>/…)`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host that is a single label',
    change: async (dir) => {
      await editWs('    reminder_host: pay.isp.example', '    reminder_host: pay')(dir);
      await editWs('https://pay.isp.example/checkout', 'https://checkout.gateway.example/checkout')(dir);
    },
    problems: [`${WS('reminder_host')}: "pay" is not a fully qualified host name (e.g. pay.isp.example)`],
  },
  {
    name: 'payment URL that is not https',
    change: editWs('    payment_url: https://pay.isp.example/checkout', '    payment_url: http://pay.isp.example/checkout'),
    problems: [`${WS('payment_url')}: must be an https:// URL (subscribers enter payment details there), got "http://pay.isp.example/checkout?account={account}"`],
  },
  {
    name: 'payment URL with an unknown placeholder',
    change: editWs('checkout?account={account}', 'checkout?account={acount}'),
    problems: [`${WS('payment_url')}: unknown placeholder {acount} (known: {account}, {username}, {workspace}, {reference})`],
  },
  {
    name: 'payment URL with a placeholder in the host',
    change: editWs('https://pay.isp.example/checkout?account={account}', 'https://{account}.isp.example/checkout'),
    problems: [`${WS('payment_url')}: placeholders are allowed in the path and query only, not in the host`],
  },
  {
    name: 'payment URL whose host restricted subscribers cannot reach',
    change: editWs('https://pay.isp.example/checkout', 'https://pay.other.example/checkout'),
    problems: [`${WS('payment_url')}: host "pay.other.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`],
  },
  {
    name: 'payment URL with credentials',
    change: editWs('https://pay.isp.example/checkout', 'https://shop:pw@pay.isp.example/checkout'),
    problems: [`${WS('payment_url')}: must not contain a user name or password`],
  },
  {
    name: 'allowlist entry written as a URL',
    change: editWs('      - checkout.gateway.example', '      - https://checkout.gateway.example/'),
    problems: [`${WS('payment_allowlist[0]')}: "https://checkout.gateway.example/" is not a domain name (write the host name only, e.g. checkout.gateway.example)`],
  },
  {
    name: 'loopback redirect_ip',
    change: editWs('    # redirect_ip: 203.0.113.10', '    redirect_ip: 127.0.0.1'),
    problems: [`${WS('redirect_ip')}: "127.0.0.1" is a loopback address; routers must reach radgate's captive listener at it`],
  },
  {
    name: 'IPv6 redirect_ip',
    change: editWs('    # redirect_ip: 203.0.113.10', '    redirect_ip: "2001:db8::1"'),
    problems: [`${WS('redirect_ip')}: "2001:db8::1" is not an IPv4 address (RouterOS dst-nat needs one)`],
  },
  {
    name: 'background colour too dark for the page text',
    change: editWs('      background_color: "#f3f4f6"', '      background_color: "#555555"'),
    problems: [`${WS('branding.background_color')}: "#555555" leaves too little contrast for the page text (2.0:1; WCAG AA needs 4.5:1): use a lighter colour`],
  },
  {
    name: 'colour that is not #rrggbb',
    change: editWs('      primary_color: "#0b5394"', '      primary_color: blue'),
    problems: [`${WS('branding.primary_color')}: "blue" is not a colour; use #rrggbb (e.g. "#1d4ed8")`],
  },
  {
    name: 'missing logo file',
    change: editWs('      logo: branding/example-isp.svg', '      logo: branding/missing.png'),
    problems: [`${WS('branding.logo')}: cannot read "branding/missing.png" (file not found)`],
  },
  {
    name: 'logo outside the config directory',
    change: editWs('      logo: branding/example-isp.svg', '      logo: ../../etc/passwd.png'),
    problems: [`${WS('branding.logo')}: "../../etc/passwd.png" must be a file inside the config directory (it is served to anyone who opens a reminder page)`],
  },
  {
    name: 'logo of an unknown type',
    change: editWs('      logo: branding/example-isp.svg', '      logo: workspaces.yaml'),
    problems: [`${WS('branding.logo')}: "workspaces.yaml" must be an image: .svg, .png, .jpg, .jpeg, .webp`],
  },
  {
    name: 'locale and time zone that do not exist',
    change: async (dir) => {
      await editWs('    locale: en-US', '    locale: en_US')(dir);
      await editWs('    timezone: UTC', '    timezone: Mars/Olympus')(dir);
    },
    problems: [
      `${WS('locale')}: "en_US" is not a BCP 47 locale (e.g. en-US, fr, sw-KE)`,
      `${WS('timezone')}: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Berlin, Africa/Nairobi)`,
    ],
  },
  {
    name: 'support phone as a YAML number, bad e-mail',
    change: async (dir) => {
      await editWs('      phone: "+1 555 0100"', '      phone: 5550100')(dir);
      await editWs('      email: billing@isp.example', '      email: billing')(dir);
    },
    problems: [
      `${WS('support.phone')}: must be text: put the number in quotes (e.g. "+1 555 0100")`,
      `${WS('support.email')}: "billing" is not an e-mail address`,
    ],
  },
  {
    name: 'link lifetime too short',
    change: editWs('      link_lifetime: 7d', '      link_lifetime: 1m'),
    problems: [`${WS('reminder.link_lifetime')}: must be from 300s to 31622400s, got 60s`],
  },
];

describe('broken workspaces.yaml: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

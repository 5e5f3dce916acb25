/**
 * nas.yaml: secret files, the BlastRADIUS secret length, addresses and ranges, workspace references, the API and
 * how its TLS certificate is trusted (api.ca_file, api.fingerprint).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { testCertificates } from '../helpers/fake-routeros.js';
import { addNas, copyExample, edit, eachReportsExactly, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

describe('values that are resolved or converted', () => {
  it('reads secret_file and api.password_file relative to the config dir, trailing newline trimmed', async () => {
    const dir = await copyExample();
    await mkdir(path.join(dir, 'secrets'));
    await write(dir, 'secrets/core-1.secret', 'k7Qe9x2LmP4vB8nZ\r\n');
    await write(dir, 'secrets/core-1.api', 'api-pass\n');
    await addNas(dir, [
      '  - name: core-1',
      '    address: 10.0.0.1',
      '    secret_file: secrets/core-1.secret',
      '    workspace: default',
      '    require_message_authenticator: true',
      '    limit_proxy_state: false',
      '    api:',
      '      user: radgate',
      '      password_file: secrets/core-1.api',
      '      tls: true',
      '      timeout: 2500ms',
      '',
    ].join('\n'));
    const config = await loadConfig(dir, {});
    expect(config.nas[1]).toEqual({
      name: 'core-1',
      address: '10.0.0.1',
      secret: 'k7Qe9x2LmP4vB8nZ',
      workspace: 'default',
      requireMessageAuthenticator: 'yes',
      limitProxyState: 'no',
      coaPort: 3799,
      api: { host: '10.0.0.1', port: 8729, user: 'radgate', password: 'api-pass', tls: true, timeoutSeconds: 2.5 },
      enforcement: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
    });
  });
});

const NON_LOOPBACK_NAS = (fields: string) => `  - name: core-1\n    address: 10.0.0.1\n    workspace: default\n${fields}`;

const BROKEN: BrokenCase[] = [
  {
    name: 'duplicate NAS address',
    change: (dir) => addNas(dir, '  - name: local-2\n    address: 127.0.0.1\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: 127.0.0.1 duplicates the address of nas[0] ("local")'],
  },
  {
    name: 'overlapping CIDR',
    change: (dir) => addNas(dir, '  - name: loopbacks\n    address: 127.0.0.0/8\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: 127.0.0.0/8 overlaps 127.0.0.1 of nas[0] ("local")'],
  },
  {
    name: 'IPv4-mapped IPv6 address of an existing NAS',
    change: (dir) => addNas(dir, '  - name: mapped\n    address: "::ffff:127.0.0.1"\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: ::ffff:127.0.0.1 duplicates the address of nas[0] ("local")'],
  },
  {
    name: 'CIDR with host bits set',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: k7Qe9x2LmP4vB8nZ\n').replace('10.0.0.1', '10.0.0.1/24')),
    problems: ['nas.yaml: nas[1].address: "10.0.0.1/24" has host bits set; did you mean 10.0.0.0/24?'],
  },
  {
    name: 'host name as NAS address',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: k7Qe9x2LmP4vB8nZ\n').replace('10.0.0.1', 'core-1.isp.example')),
    problems: [
      'nas.yaml: nas[1].address: "core-1.isp.example" is not an IP address or CIDR range ' +
        '(a NAS is identified by its source address; hostnames are not allowed)',
    ],
  },
  {
    name: 'duplicate NAS name',
    change: (dir) => addNas(dir, '  - name: local\n    address: "::1"\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].name: duplicate NAS name "local" (first used by nas[0])'],
  },
  {
    name: 'short secret on a non-loopback NAS',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: "0123456789"\n')),
    problems: [
      'nas.yaml: nas[1].secret: shared secret is 10 characters; at least 16 required for a non-loopback NAS (BlastRADIUS hardening)',
    ],
  },
  {
    name: 'short secret read from secret_file',
    change: async (dir) => {
      await write(dir, 'core-1.secret', 'tooshort\n');
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: core-1.secret\n'));
    },
    problems: [
      'nas.yaml: nas[1].secret_file: shared secret is 8 characters; at least 16 required for a non-loopback NAS (BlastRADIUS hardening)',
    ],
  },
  {
    name: 'both secret and secret_file',
    change: (dir) => edit(dir, 'nas.yaml', '    # secret_file: secrets/local.secret', '    secret_file: secrets/local.secret'),
    problems: ['nas.yaml: nas[0]: set either secret or secret_file, not both'],
  },
  {
    name: 'neither secret nor secret_file',
    change: (dir) => edit(dir, 'nas.yaml', '    secret: testing123\n', ''),
    problems: ['nas.yaml: nas[0]: secret or secret_file is required'],
  },
  {
    name: 'unreadable secret_file',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret_file: secrets/core-1.secret\n')),
    problems: ['nas.yaml: nas[1].secret_file: cannot read "secrets/core-1.secret" (file not found)'],
  },
  {
    name: 'secret_file that is a directory',
    change: async (dir) => {
      await mkdir(path.join(dir, 'secrets'));
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: secrets\n'));
    },
    problems: ['nas.yaml: nas[1].secret_file: cannot read "secrets" (is a directory)'],
  },
  {
    name: 'secret_file holding a control character (reported without the secret)',
    change: async (dir) => {
      await write(dir, 'core-1.secret', 'k7Qe9x2L\tmP4vB8nZ\n');
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: core-1.secret\n'));
    },
    problems: [
      'nas.yaml: nas[1].secret_file: "core-1.secret" contains a control character, U+0009 (tab), at character 9: text sent to routers and in RADIUS replies must be printable',
    ],
  },
  {
    name: 'secret_file that is not UTF-8 (it would be read as U+FFFD)',
    change: async (dir) => {
      await writeFile(path.join(dir, 'core-1.secret'), Buffer.concat([Buffer.from('k7Qe9x2LmP4vB8nZ'), Buffer.of(0xff, 0x0a)]));
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: core-1.secret\n'));
    },
    problems: ['nas.yaml: nas[1].secret_file: "core-1.secret" is not UTF-8 text'],
  },
  {
    name: 'unknown workspace on a NAS',
    change: (dir) => edit(dir, 'nas.yaml', '    workspace: default', '    workspace: defualt'),
    problems: ['nas.yaml: nas[0].workspace: unknown workspace "defualt" (workspaces.yaml defines: default)'],
  },
  {
    // A quoted value never carries a control or bidi character raw into the operator's terminal (src/config/errors.ts).
    name: 'unknown workspace holding DEL, a C1 escape and a bidi override',
    change: (dir) => edit(dir, 'nas.yaml', '    workspace: default', '    workspace: "de\\x7f\\x9b2J\\u202eult"'),
    problems: ['nas.yaml: nas[0].workspace: unknown workspace "de\\u007f\\u009b2J\\u202eult" (workspaces.yaml defines: default)'],
  },
  {
    name: 'tri-state that is not yes/no/auto',
    change: (dir) => edit(dir, 'nas.yaml', '    require_message_authenticator: auto', '    require_message_authenticator: always'),
    problems: ['nas.yaml: nas[0].require_message_authenticator: must be one of yes, no, auto, got "always"'],
  },
  {
    name: 'API on a NAS range: every API problem at once',
    change: (dir) => addNas(dir, [
      '  - name: pop-2',
      '    address: 10.2.0.0/24',
      '    secret: k7Qe9x2LmP4vB8nZ',
      '    workspace: default',
      '    api: { user: radgate, password: x, password_file: api.pass, tls: yes }',
      '',
    ].join('\n')),
    problems: [
      'nas.yaml: nas[1].api.tls: must be true or false, got "yes"',
      'nas.yaml: nas[1].api: set either password or password_file, not both',
      'nas.yaml: nas[1].api.host: required because address 10.2.0.0/24 is a range',
    ],
  },
  {
    name: 'API on a NAS range without host',
    change: (dir) => addNas(dir, [
      '  - name: pop-2',
      '    address: 10.2.0.0/24',
      '    secret: k7Qe9x2LmP4vB8nZ',
      '    workspace: default',
      '    api: { user: radgate, password: x }',
      '',
    ].join('\n')),
    problems: ['nas.yaml: nas[1].api.host: required because address 10.2.0.0/24 is a range'],
  },
];

describe('broken nas.yaml: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

/** A non-loopback NAS with an api: section made of `api` lines. */
const API_NAS = (api: string[]) =>
  NON_LOOPBACK_NAS(['    secret: k7Qe9x2LmP4vB8nZ', '    api:', '      user: radgate', '      password: pw', ...api.map((l) => `      ${l}`), ''].join('\n'));
const FINGERPRINT = 'AB:'.repeat(31) + 'CD';

describe("api over TLS: trusting the router's certificate", () => {
  it('reads ca_file relative to the config dir, and writes the fingerprint as the SHA-256 of Node (AB:CD:…)', async () => {
    const certs = testCertificates();
    const pem = readFileSync(certs.caFile, 'utf8') + readFileSync(certs.selfSigned.certFile, 'utf8'); // a bundle: both trusted
    const dir = await copyExample();
    await mkdir(path.join(dir, 'certs'));
    await write(dir, 'certs/core-1.pem', pem);
    await addNas(dir, API_NAS(['tls: true', 'ca_file: certs/core-1.pem', `fingerprint: "SHA256:${FINGERPRINT.replaceAll(':', '').toLowerCase()}"`]));
    const config = await loadConfig(dir, {});
    expect(config.nas[1]!.api).toEqual({
      host: '10.0.0.1', port: 8729, user: 'radgate', password: 'pw', tls: true, timeoutSeconds: 10, ca: pem, fingerprint: FINGERPRINT,
    });
    for (const written of [`"sha256:${FINGERPRINT}"`, `"${FINGERPRINT.toLowerCase()}"`, FINGERPRINT.replaceAll(':', '')]) {
      const other = await copyExample();
      await addNas(other, API_NAS(['tls: true', `fingerprint: ${written}`]));
      expect((await loadConfig(other, {})).nas[1]!.api!.fingerprint, written).toBe(FINGERPRINT);
    }
  });

  eachReportsExactly([
    {
      name: 'api.ca_file that does not exist: file, path and reason',
      change: (dir) => addNas(dir, API_NAS(['tls: true', 'ca_file: certs/missing.pem'])),
      problems: ['nas.yaml: nas[1].api.ca_file: cannot read "certs/missing.pem" (file not found)'],
    },
    {
      name: 'api.ca_file that is a directory',
      change: async (dir) => {
        await mkdir(path.join(dir, 'certs'));
        await addNas(dir, API_NAS(['tls: true', 'ca_file: certs']));
      },
      problems: ['nas.yaml: nas[1].api.ca_file: cannot read "certs" (is a directory)'],
    },
    {
      name: 'api.ca_file without a certificate in it',
      change: async (dir) => {
        await write(dir, 'router.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
        await addNas(dir, API_NAS(['tls: true', 'ca_file: router.key']));
      },
      problems: ['nas.yaml: nas[1].api.ca_file: "router.key" holds no PEM certificate (-----BEGIN CERTIFICATE-----)'],
    },
    {
      name: 'api.ca_file with a damaged certificate',
      change: async (dir) => {
        await write(dir, 'bad.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
        await addNas(dir, API_NAS(['tls: true', 'ca_file: bad.pem']));
      },
      problems: ['nas.yaml: nas[1].api.ca_file: "bad.pem": certificate 1 is not a valid X.509 certificate'],
    },
    {
      name: 'api.fingerprint of the wrong length',
      change: (dir) => addNas(dir, API_NAS(['tls: true', 'fingerprint: "sha256:AB:CD"'])),
      problems: [
        'nas.yaml: nas[1].api.fingerprint: must be the SHA-256 of the router\'s certificate: 32 bytes in hex ("sha256:AB:CD:…" or 64 hex digits), got 2 bytes',
      ],
    },
    {
      name: 'api.fingerprint with another algorithm',
      change: (dir) => addNas(dir, API_NAS(['tls: true', `fingerprint: "sha1:${FINGERPRINT}"`])),
      problems: ['nas.yaml: nas[1].api.fingerprint: only SHA-256 fingerprints are accepted ("sha256:…"), got "sha1"'],
    },
    {
      name: 'api.fingerprint that is not hex',
      change: (dir) => addNas(dir, API_NAS(['tls: true', `fingerprint: "${FINGERPRINT.replace('AB', 'XY')}"`])),
      problems: [
        'nas.yaml: nas[1].api.fingerprint: must be the SHA-256 of the router\'s certificate: 32 bytes in hex ("sha256:AB:CD:…" or 64 hex digits)',
      ],
    },
    {
      name: 'api.fingerprint as a number (digits only, unquoted)',
      change: (dir) => addNas(dir, API_NAS(['tls: true', 'fingerprint: 1234'])),
      problems: ['nas.yaml: nas[1].api.fingerprint: must be text, got a number (put it in quotes)'],
    },
    {
      name: 'api.ca_file and api.fingerprint without tls',
      change: async (dir) => {
        await write(dir, 'ca.pem', readFileSync(testCertificates().caFile, 'utf8'));
        await addNas(dir, API_NAS(['ca_file: ca.pem', `fingerprint: "${FINGERPRINT}"`]));
      },
      problems: [
        'nas.yaml: nas[1].api.ca_file: only used with tls: true (the API over TLS, api-ssl)',
        'nas.yaml: nas[1].api.fingerprint: only used with tls: true (the API over TLS, api-ssl)',
      ],
    },
  ]);
});

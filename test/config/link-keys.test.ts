/** server.yaml `link_keys`, the keys that sign reminder links (JWS, RFC 7515 §4.1.4 `kid`): material and ids. */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { edit, eachReportsExactly, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const withLinkKeys = (yaml: string) => (dir: string) => edit(dir, 'server.yaml', '  link_keys: []\n', `  link_keys:\n${yaml}`);

const BROKEN: BrokenCase[] = [
  {
    name: 'link key without file or env, and a duplicate id',
    change: withLinkKeys('    - { id: k1, algorithm: HS256, env: RADGATE_TEST_LINK_KEY }\n    - { id: k1, algorithm: EdDSA }\n'),
    env: { RADGATE_TEST_LINK_KEY: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ==' },
    problems: [
      'server.yaml: server.link_keys[1].id: duplicate key id "k1" (first used by link_keys[0])',
      'server.yaml: server.link_keys[1]: file or env is required (key material never goes in this file)',
    ],
  },
  {
    name: 'link key from an unset environment variable, and an unknown algorithm',
    change: withLinkKeys('    - { id: k1, algorithm: HS256, env: RADGATE_TEST_LINK_KEY }\n    - { id: k2, algorithm: RS256, file: k2.pem }\n'),
    problems: [
      'server.yaml: server.link_keys[1].algorithm: must be one of HS256, EdDSA, got "RS256"',
      'server.yaml: server.link_keys[0].env: environment variable RADGATE_TEST_LINK_KEY is not set',
    ],
  },
  {
    name: 'HS256 link key that is too short',
    change: async (dir) => {
      await write(dir, 'link.key', 'c2hvcnQ=\n');
      await withLinkKeys('    - { id: k1, algorithm: HS256, file: link.key }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: HS256 key is 5 bytes; it must be at least 32 random bytes as base64 or hex (openssl rand -base64 32)'],
  },
  {
    name: 'first link key is an EdDSA public key (it cannot sign)',
    change: async (dir) => {
      const { publicKey } = generateKeyPairSync('ed25519');
      await write(dir, 'old.pub', publicKey.export({ type: 'spki', format: 'pem' }).toString());
      await withLinkKeys('    - { id: old, algorithm: EdDSA, file: old.pub }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: the first key signs new links, so it must be a private key (this is a public key)'],
  },
  {
    name: 'EdDSA link key that is not an Ed25519 PEM',
    change: async (dir) => {
      await write(dir, 'k.pem', 'not a key\n');
      await withLinkKeys('    - { id: k, algorithm: EdDSA, file: k.pem }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: EdDSA key must be a PEM Ed25519 private or public key (openssl genpkey -algorithm ed25519)'],
  },
];

describe('broken link keys: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

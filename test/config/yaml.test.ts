/** File-level problems in any config file: YAML syntax, duplicate keys, unknown keys, bytes that are not UTF-8, a missing file. */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe } from 'vitest';
import { edit, eachReportsExactly, EXAMPLE_DIR, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

/** The line of `group: business` in the example plans.yaml (the non-UTF-8 case below keeps line numbers). */
const BUSINESS_GROUP_LINE = readFileSync(path.join(EXAMPLE_DIR, 'plans.yaml'), 'utf8').split('\n').indexOf('    group: business') + 1;

const BROKEN: BrokenCase[] = [
  {
    name: 'unknown key (typo)',
    change: (dir) => edit(dir, 'server.yaml', '  log_level: info', '  log_levl: info'),
    problems: ['server.yaml: server.log_levl: unknown key (did you mean "log_level"?)'],
  },
  {
    name: 'unknown key without a close match',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 2\n    colour: blue'),
    problems: [
      'plans.yaml: plans[1].colour: unknown key (known keys: name, rate_limit, pool, group, session_timeout, ' +
        'idle_timeout, interim_interval, address_list, max_sessions, reply_attributes, price, currency, billing_cycle, router_profile)',
    ],
  },
  {
    name: 'camelCase key',
    change: (dir) => edit(dir, 'nas.yaml', '    coa_port: 3799\n', '    coaPort: 3799\n'),
    problems: ['nas.yaml: nas[0].coaPort: unknown key (did you mean "coa_port"?)'],
  },
  {
    name: 'unknown top-level key',
    change: (dir) => edit(dir, 'plans.yaml', 'plans:\n', 'plan:\n'),
    problems: ['plans.yaml: plan: unknown key (did you mean "plans"?)', 'plans.yaml: plans: required'],
  },
  {
    name: 'YAML syntax error (with line)',
    change: (dir) => write(dir, 'plans.yaml', 'plans:\n  - name: home-10\n    rate_limit: 2M/10M\n    group: home: x\n'),
    problems: ['plans.yaml: line 4, column 12: YAML: Nested mappings are not allowed in compact mappings'],
  },
  {
    name: 'YAML duplicate key (with line)',
    change: (dir) => write(dir, 'plans.yaml', 'plans:\n  - name: home-10\n    rate_limit: 2M/10M\n    name: home-20\n'),
    problems: ['plans.yaml: line 4, column 5: YAML: Map keys must be unique'],
  },
  {
    name: 'a file that is not UTF-8 (Latin-1), refused at its first bad byte rather than read as U+FFFD',
    change: async (dir) => {
      const file = path.join(dir, 'plans.yaml');
      const text = await readFile(file, 'utf8');
      const at = text.indexOf('    group: business');
      await writeFile(file, Buffer.concat([Buffer.from(text.slice(0, at) + '    group: caf'), Buffer.of(0xe9), Buffer.from(text.slice(at + '    group: business'.length))]));
    },
    problems: [`plans.yaml: line ${BUSINESS_GROUP_LINE}, column 15: not UTF-8 (byte 0xE9); save the file as UTF-8`],
  },
  {
    name: 'missing file',
    change: (dir) => rm(path.join(dir, 'workspaces.yaml')),
    problems: (dir) => [`workspaces.yaml: file not found in ${dir}`],
  },
];

describe('broken YAML and unknown keys: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

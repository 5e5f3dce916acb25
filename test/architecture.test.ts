/**
 * The architecture of src/ as a test (docs/architecture.md draws it): which part may import which. Every `.ts` file
 * under src/ is read with node:fs and its import specifiers are found by a small tokenizer — `import … from`,
 * `import type … from`, `export … from`, `export type … from`, side-effect `import '…'` and dynamic `import('…')`,
 * with comments, strings, template literals and regular expressions skipped — and a forbidden arrow fails, naming the
 * file, the line and the specifier. In-process: no build, no TypeScript compiler.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

// ---- the parts ---------------------------------------------------------------------------------------------------

/** The top-level folders of src/ and its root modules. A new folder or root file must be added here and to RULES. */
const PARTS = [
  'radius',
  'handlers',
  'subscribers',
  'sessions',
  'profile',
  'billing',
  'payments',
  'notify',
  'enforce',
  'imports',
  'routeros',
  'web',
  'db',
  'config',
  'cli',
  'money',
  'messages',
  'ip',
  'errors',
  'log',
  'log-limit',
  'metrics',
  'app',
] as const;
type Part = (typeof PARTS)[number];

function allBut(...except: Part[]): Part[] {
  return PARTS.filter((p) => !except.includes(p));
}

/** The parts with behaviour of their own (everything but the shared leaves, metrics and the composition root). */
const DOMAIN: readonly Part[] = ['radius', 'handlers', 'subscribers', 'sessions', 'profile', 'billing', 'payments', 'notify', 'enforce', 'imports', 'routeros', 'web', 'cli'];

// ---- the rules: the one place that says which arrows are forbidden ----------------------------------------------

interface Rule {
  /** Stable name, shown in failures and used by KNOWN_VIOLATIONS. */
  id: string;
  from: readonly Part[];
  forbid: readonly Part[];
  /**
   * Targets (paths under src/; a trailing `/` means a folder) that `from` may import despite `forbid` as long as the
   * import is type-only (`import type`, `export type`): erased at compile time, so no code of the target runs.
   */
  typeOnlyAllowed?: readonly string[];
}

const RULES: readonly Rule[] = [
  // The wire layer (codec, dictionaries, server, duplicate cache, CoA client, auth methods) knows nothing of the rest:
  // handlers decide, the server enforces the wire rules. Settings arrive as values, metrics through the
  // RadiusObserver hook, so config/ and metrics.ts are out of reach too.
  {
    id: 'radius-knows-only-the-wire',
    from: ['radius'],
    forbid: ['billing', 'db', 'cli', 'subscribers', 'sessions', 'profile', 'enforce', 'web', 'handlers', 'config', 'app', 'routeros', 'metrics'],
  },
  // Billing decides states only: it never touches a socket or a router and does not choose reply attributes. A change
  // is written with its outbox row (src/db/outbox.ts); enforce acts on it, profile turns the status into attributes.
  {
    id: 'billing-decides-only',
    from: ['billing'],
    forbid: ['radius', 'enforce', 'web', 'cli', 'handlers', 'routeros', 'profile'],
  },
  // Payment callbacks: a gateway's event is verified (signature, timestamp, replay) and turned into a payment through
  // billing, the same path as `radgate pay`. Never a socket to a router, never the web framework: web/ serves the
  // route and hands the raw request in.
  {
    id: 'payments-verify-then-bill',
    from: ['payments'],
    forbid: ['radius', 'handlers', 'enforce', 'routeros', 'web', 'cli', 'sessions', 'profile', 'notify'],
  },
  // Notifications (reminder e-mail, outgoing webhooks) send what billing's transitions queued. The signed reminder
  // link comes in as a function from app.ts, so notify does not reach into web/; it never acts on routers.
  {
    id: 'notify-sends-only',
    from: ['notify'],
    forbid: ['radius', 'handlers', 'enforce', 'routeros', 'web', 'cli', 'sessions', 'profile', 'payments'],
  },
  // Imports read subscribers where they live today (a router's local entries over the API, a FreeRADIUS SQL
  // database) and create them through subscribers/, in one transaction; the router side of a migration goes through
  // the RouterOS client. They answer no request and push nothing to live sessions.
  {
    id: 'imports-bring-subscribers-in',
    from: ['imports'],
    forbid: ['radius', 'handlers', 'web', 'cli', 'notify', 'payments', 'enforce', 'app'],
  },
  // The message catalogue is a leaf (money.ts, for minor units, is its only import): config validates overrides
  // against it, web and notify render from it.
  {
    id: 'messages-are-a-leaf',
    from: ['messages'],
    forbid: allBut('messages', 'money'),
  },
  // The database layer (client, schema, migrations lock, outbox, NOTIFY channels) serves every part and depends on
  // none of them, nor on config/: whoever opens the database passes the settings in.
  {
    id: 'db-depends-on-no-domain',
    from: ['db'],
    forbid: ['billing', 'subscribers', 'sessions', 'enforce', 'profile', 'handlers', 'web', 'cli', 'routeros', 'radius', 'config', 'metrics', 'app'],
  },
  // Configuration is parsed, validated, frozen values. Loading it (also for `radgate check-config`) must not pull in
  // the parts that use it, nor the database.
  {
    id: 'config-is-values',
    from: ['config'],
    forbid: [...DOMAIN, 'db', 'metrics', 'app'],
  },
  // Reply profiles (status + plan → reply attributes) are a pure function used by handlers at login and by enforce
  // for CoA: no billing rules, no actions, no queries. Decision: it may name the subscriber status type of
  // db/schema with `import type` (erased, nothing of the database runs); a value import of db/ is forbidden.
  {
    id: 'profile-is-pure',
    from: ['profile'],
    forbid: ['billing', 'enforce', 'web', 'cli', 'db', 'handlers'],
    typeOnlyAllowed: ['db/schema.ts', 'db/schema/'],
  },
  // A handler turns one request into one reply from what it is given (the in-memory directory, the session tracker,
  // the accounting writer): authentication never waits for the database, and nothing on the request path reaches
  // for billing, routers or the web app.
  {
    id: 'handlers-answer-from-what-they-are-given',
    from: ['handlers'],
    forbid: ['db', 'billing', 'enforce', 'routeros', 'web', 'cli'],
  },
  // The RouterOS API client and script renderer take a router's settings and the desired state as values; enforce,
  // the CLI and the web app drive them, never the other way round.
  {
    id: 'routeros-is-a-client',
    from: ['routeros'],
    forbid: ['radius', 'handlers', 'subscribers', 'sessions', 'profile', 'billing', 'enforce', 'web', 'db', 'cli'],
  },
  // money.ts, ip.ts, errors.ts, log.ts and log-limit.ts are leaves every part may use; they import nothing from src/
  // (log-limit.ts only log.ts's Logger type).
  {
    id: 'leaves-import-nothing',
    from: ['money', 'ip', 'errors', 'log', 'log-limit'],
    forbid: PARTS,
    typeOnlyAllowed: ['log.ts'],
  },
  // src/cli is the only place that may exit the process; nothing imports it but cli/ itself (and bin/radgate.js,
  // outside src/).
  {
    id: 'nothing-imports-cli',
    from: allBut('cli'),
    forbid: ['cli'],
  },
  // app.ts is the composition root: it builds everything, so a part importing it back would be a cycle. Only the CLI
  // starts it.
  {
    id: 'only-cli-imports-app',
    from: allBut('cli'),
    forbid: ['app'],
  },
];

/**
 * Violations in today's code that the lead is removing: `{ file, specifier, rule }`. Empty this list, do not grow it.
 * An entry that no longer matches a violation fails the test, so it cannot linger.
 */
const KNOWN_VIOLATIONS: ReadonlyArray<{ file: string; specifier: string; rule: string }> = [];

// ---- the import-specifier parser ---------------------------------------------------------------------------------

type TokenType = 'name' | 'string' | 'template' | 'template-with-substitutions' | 'regex' | 'punct';
interface Token {
  type: TokenType;
  value: string;
  line: number;
}

/** After these words a `/` starts a regular expression, after any other word or value it divides. */
const KEYWORDS_BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await', 'extends']);
const NAME_START = /[A-Za-z_$\u0080-\uffff]/;
const NAME_PART = /[\w$\u0080-\uffff]/;

/** Names, string and template literals, regular expressions and one-character punctuation; comments dropped. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  /** For each open `${`, the brace depth at which it opened: its `}` resumes the template. */
  const substitutions: number[] = [];
  let depth = 0;
  let line = 1;
  let i = 0;
  const advanceTo = (end: number) => {
    for (let k = i; k < end; k++) if (source[k] === '\n') line++;
    i = end;
  };
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (prev === undefined) return true;
    if (prev.type === 'name') return KEYWORDS_BEFORE_EXPRESSION.has(prev.value);
    if (prev.type !== 'punct') return false;
    return prev.value !== ')' && prev.value !== ']' && prev.value !== '}';
  };
  /** Scan template text from `i` to its closing backtick or its next `${`; `head` when this is the template's start. */
  const templateText = (head: boolean, startLine: number) => {
    let text = '';
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        text += source.slice(i, i + 2);
        advanceTo(i + 2);
      } else if (c === '`') {
        i++;
        if (head) tokens.push({ type: 'template', value: text, line: startLine });
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        if (head) tokens.push({ type: 'template-with-substitutions', value: text, line: startLine });
        substitutions.push(depth);
        return;
      } else {
        text += c;
        advanceTo(i + 1);
      }
    }
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      advanceTo(end < 0 ? source.length : end + 2);
    } else if (c === '"' || c === "'") {
      const startLine = line;
      let k = i + 1;
      let value = '';
      while (k < source.length && source[k] !== c && source[k] !== '\n') {
        if (source[k] === '\\') {
          value += source[k + 1] ?? '';
          k += 2;
        } else value += source[k++];
      }
      advanceTo(k + 1);
      tokens.push({ type: 'string', value, line: startLine });
    } else if (c === '`') {
      const startLine = line;
      i++;
      templateText(true, startLine);
    } else if (c === '}' && substitutions.length > 0 && substitutions[substitutions.length - 1] === depth) {
      substitutions.pop();
      i++;
      templateText(false, line);
    } else if (c === '/' && regexAllowed()) {
      let k = i + 1;
      let inClass = false;
      while (k < source.length && source[k] !== '\n') {
        const r = source[k]!;
        if (r === '\\') k += 2;
        else if (inClass) {
          if (r === ']') inClass = false;
          k++;
        } else if (r === '[') {
          inClass = true;
          k++;
        } else if (r === '/') {
          k++;
          break;
        } else k++;
      }
      while (k < source.length && NAME_PART.test(source[k]!)) k++;
      tokens.push({ type: 'regex', value: source.slice(i, k), line });
      i = k;
    } else if (NAME_START.test(c) || /[0-9]/.test(c)) {
      let k = i + 1;
      while (k < source.length && (NAME_PART.test(source[k]!) || (/[0-9]/.test(c) && source[k] === '.'))) k++;
      tokens.push({ type: 'name', value: source.slice(i, k), line });
      i = k;
    } else {
      if (c === '{') depth++;
      if (c === '}') depth--;
      tokens.push({ type: 'punct', value: c, line });
      i++;
    }
  }
  return tokens;
}

interface ImportRef {
  /** undefined for a dynamic import whose specifier is computed. */
  specifier: string | undefined;
  line: number;
  typeOnly: boolean;
  form: 'import' | 'export' | 'side-effect' | 'dynamic';
}

/** The module specifiers a TypeScript source imports or re-exports. */
function importsOf(source: string): ImportRef[] {
  const t = tokenize(source);
  const punct = (k: number, value: string) => t[k]?.type === 'punct' && t[k]!.value === value;
  const name = (k: number, value?: string) => t[k]?.type === 'name' && (value === undefined || t[k]!.value === value);
  /** Skip an import/export clause (`X`, `{ … }`, `* as X`, `X, { … }`); the index after it, or -1. */
  const skipClause = (k: number): number => {
    for (;;) {
      if (punct(k, '{')) {
        let open = 0;
        for (; k < t.length; k++) {
          if (punct(k, '{')) open++;
          else if (punct(k, '}') && --open === 0) break;
        }
        k++;
      } else if (punct(k, '*')) {
        k++;
        if (name(k, 'as')) k += 2;
      } else if (name(k) && !name(k, 'from')) k++;
      else return -1;
      if (!punct(k, ',')) return k;
      k++;
    }
  };
  const fromClause = (k: number): string | undefined =>
    k >= 0 && name(k, 'from') && t[k + 1]?.type === 'string' ? t[k + 1]!.value : undefined;

  const refs: ImportRef[] = [];
  for (let k = 0; k < t.length; k++) {
    const token = t[k]!;
    if (token.type !== 'name' || (token.value !== 'import' && token.value !== 'export')) continue;
    if (punct(k - 1, '.')) continue; // a property called import/export
    const line = token.line;
    if (token.value === 'import') {
      if (punct(k + 1, '(')) {
        const arg = t[k + 2];
        const literal = arg !== undefined && (arg.type === 'string' || arg.type === 'template') && (punct(k + 3, ')') || punct(k + 3, ','));
        refs.push({ specifier: literal ? arg.value : undefined, line, typeOnly: false, form: 'dynamic' });
        continue;
      }
      if (punct(k + 1, '.')) continue; // import.meta
      if (t[k + 1]?.type === 'string') {
        refs.push({ specifier: t[k + 1]!.value, line, typeOnly: false, form: 'side-effect' });
        continue;
      }
      // `import type X from` is type-only; `import type from '…'` imports a default binding named `type`.
      const typeOnly = name(k + 1, 'type') && !name(k + 2, 'from') && !punct(k + 2, ',') && !punct(k + 2, '=');
      const specifier = fromClause(skipClause(typeOnly ? k + 2 : k + 1));
      if (specifier !== undefined) refs.push({ specifier, line, typeOnly, form: 'import' });
    } else {
      const typeOnly = name(k + 1, 'type') && (punct(k + 2, '{') || punct(k + 2, '*'));
      const start = typeOnly ? k + 2 : k + 1;
      if (!punct(start, '{') && !punct(start, '*')) continue; // export const / default / function …
      const specifier = fromClause(skipClause(start));
      if (specifier !== undefined) refs.push({ specifier, line, typeOnly, form: 'export' });
    }
  }
  return refs;
}

// ---- the checker -------------------------------------------------------------------------------------------------

interface Violation {
  /** Path under the repository, `src/…`. */
  file: string;
  line: number;
  specifier: string;
  rule: string;
  message: string;
}

/** The part a path under src/ belongs to: its top-level folder, or the root module's name. */
function partOf(file: string): Part | undefined {
  const [first, ...rest] = file.split('/');
  const name = rest.length > 0 ? first! : first!.replace(/\.[cm]?[jt]s$/, '');
  return (PARTS as readonly string[]).includes(name) ? (name as Part) : undefined;
}

/** The path under src/ a relative specifier names (`.js` → `.ts`); undefined for packages and paths outside src/. */
function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  if (target === '..' || target.startsWith('../')) return undefined;
  return target.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts');
}

function allowedTypeOnly(rule: Rule, target: string): boolean {
  return (rule.typeOnlyAllowed ?? []).some((allowed) => (allowed.endsWith('/') ? target.startsWith(allowed) : target === allowed));
}

/** Every forbidden import in `files` (path under src/ → source). */
function check(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const shown = `src/${file}`;
    const from = partOf(file);
    if (from === undefined) {
      const message = `${shown} belongs to no part: add its folder or name to PARTS and decide its rules`;
      violations.push({ file: shown, line: 0, specifier: '', rule: 'every-file-has-a-part', message });
      continue;
    }
    for (const ref of importsOf(source)) {
      if (ref.specifier === undefined) {
        const message = `${shown}:${ref.line} has a dynamic import() with a computed specifier, which cannot be checked`;
        violations.push({ file: shown, line: ref.line, specifier: '', rule: 'literal-dynamic-imports', message });
        continue;
      }
      const target = resolveSpecifier(file, ref.specifier);
      if (target === undefined) continue;
      const to = partOf(target);
      if (to === undefined || to === from) continue;
      for (const rule of RULES) {
        if (!rule.from.includes(from) || !rule.forbid.includes(to)) continue;
        if (ref.typeOnly && allowedTypeOnly(rule, target)) continue;
        const kind = ref.typeOnly ? 'type-only ' : ref.form === 'dynamic' ? 'dynamic ' : '';
        const message = `${shown}:${ref.line} ${kind}imports '${ref.specifier}' (${from} → ${to}): forbidden by ${rule.id}`;
        violations.push({ file: shown, line: ref.line, specifier: ref.specifier, rule: rule.id, message });
      }
    }
  }
  return violations;
}

function isKnown(v: Violation): boolean {
  return KNOWN_VIOLATIONS.some((k) => k.file === v.file && k.specifier === v.specifier && k.rule === v.rule);
}

/** Every `.ts` file under src/, by path under src/ (posix separators). */
function readSources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.[cm]?ts$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(SRC, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
  }
  return files;
}

// ---- tests -------------------------------------------------------------------------------------------------------

describe('the import-specifier parser', () => {
  const specifiers = (source: string) => importsOf(source).map((r) => [r.specifier, r.form, r.typeOnly]);

  it('finds every form of import and re-export, type-only ones marked', () => {
    const source = [
      "import { a, type B } from './a.js';",
      "import type { C } from './c.js';",
      "import type D from './d.js';",
      "import type * as E from './e.js';",
      "import F, { g } from './f.js';",
      "import * as H from './h.js';",
      "import './side-effect.js';",
      "export { i } from './i.js';",
      "export type { J } from './j.js';",
      "export * from './k.js';",
      "export * as L from './l.js';",
      "const m = await import('./m.js');",
      'const n = await import(`./n.js`);',
      "import type from './default-named-type.js';",
    ].join('\n');
    expect(specifiers(source)).toEqual([
      ['./a.js', 'import', false],
      ['./c.js', 'import', true],
      ['./d.js', 'import', true],
      ['./e.js', 'import', true],
      ['./f.js', 'import', false],
      ['./h.js', 'import', false],
      ['./side-effect.js', 'side-effect', false],
      ['./i.js', 'export', false],
      ['./j.js', 'export', true],
      ['./k.js', 'export', false],
      ['./l.js', 'export', false],
      ['./m.js', 'dynamic', false],
      ['./n.js', 'dynamic', false],
      ['./default-named-type.js', 'import', false],
    ]);
  });

  it('reads multi-line clauses and reports the line of the keyword', () => {
    const refs = importsOf("// header\nimport {\n  a,\n  b,\n} from '../x.js';\nexport {\n  c,\n} from '../y.js'\nimport type {\n  D } from '../z.js'");
    expect(refs.map((r) => [r.specifier, r.line, r.typeOnly])).toEqual([
      ['../x.js', 2, false],
      ['../y.js', 6, false],
      ['../z.js', 9, true],
    ]);
  });

  it('ignores comments, strings, templates, regular expressions and look-alikes', () => {
    const source = [
      "// import { x } from '../billing/a.js';",
      "/* export * from '../billing/b.js'; */",
      "/** import('../billing/c.js') */",
      "const s = \"import { y } from '../billing/d.js'\";",
      "const t = `import z from '../billing/e.js' ${value} export * from '../billing/f.js'`;",
      "const r = /import x from '..\\/billing\\/g.js'/;",
      "const ratio = a / b; const u = c / d; // import x from '../billing/h.js'",
      'const url = new URL(\'.\', import.meta.url);',
      'export const v = 1;',
      'export default function w() {}',
      "export { local };",
      "obj.import('../billing/i.js');",
      "import { real } from './real.js';",
    ].join('\n');
    expect(specifiers(source)).toEqual([['./real.js', 'import', false]]);
  });

  it('keeps going after template literals with nested braces and substitutions', () => {
    const source = "const a = `${ { k: `${x}` }.k } }`;\nconst b = { c: 1 };\nimport d from './after.js';";
    expect(specifiers(source)).toEqual([['./after.js', 'import', false]]);
  });

  it('marks a dynamic import with a computed specifier', () => {
    expect(specifiers('await import(`./${name}.js`); await import(base + "/x.js");')).toEqual([
      [undefined, 'dynamic', false],
      [undefined, 'dynamic', false],
    ]);
  });
});

describe('the rule checker (self-test: it can fail)', () => {
  const run = (files: Record<string, string>) => check(new Map(Object.entries(files))).map((v) => v.message);

  it('names the file, the line and the import of a forbidden arrow', () => {
    expect(run({ 'radius/server.ts': "import type { Logger } from '../log.js';\nimport { evaluate } from '../billing/state.js';\n" })).toEqual([
      "src/radius/server.ts:2 imports '../billing/state.js' (radius → billing): forbidden by radius-knows-only-the-wire",
    ]);
  });

  it('catches every form: type-only, re-export, side-effect and dynamic imports', () => {
    expect(
      run({
        'db/client.ts': "import type { Config } from '../config/index.js';",
        'config/index.ts': "export * from '../sessions/store.js';",
        'billing/state.ts': "import '../enforce/workers.js';",
        'web/ops.ts': "const cli = await import('../cli/main.js');",
        'sessions/store.ts': "const app = await import(`../app.js`);",
      }),
    ).toEqual([
      "src/db/client.ts:1 type-only imports '../config/index.js' (db → config): forbidden by db-depends-on-no-domain",
      "src/config/index.ts:1 imports '../sessions/store.js' (config → sessions): forbidden by config-is-values",
      "src/billing/state.ts:1 imports '../enforce/workers.js' (billing → enforce): forbidden by billing-decides-only",
      "src/web/ops.ts:1 dynamic imports '../cli/main.js' (web → cli): forbidden by nothing-imports-cli",
      "src/sessions/store.ts:1 dynamic imports '../app.js' (sessions → app): forbidden by only-cli-imports-app",
    ]);
  });

  it('profile may name db/schema types, but not import db values', () => {
    expect(
      run({
        'profile/reply-profile.ts': [
          "import type { SubscriberStatus } from '../db/schema.js';",
          "import type { SessionRow } from '../db/schema/sessions.js';",
          "import { subscribers } from '../db/schema.js';",
          "import type { Db } from '../db/client.js';",
        ].join('\n'),
      }),
    ).toEqual([
      "src/profile/reply-profile.ts:3 imports '../db/schema.js' (profile → db): forbidden by profile-is-pure",
      "src/profile/reply-profile.ts:4 type-only imports '../db/client.js' (profile → db): forbidden by profile-is-pure",
    ]);
  });

  it('allows the arrows the rules do not forbid, packages, and imports within a part', () => {
    expect(
      run({
        'cli/main.ts': "import { startApp } from '../app.js';\nimport { x } from '../web/ops.js';",
        'handlers/access-request.ts': "import { selectProfile } from '../profile/reply-profile.js';\nimport { z } from 'zod';",
        'radius/server.ts': "import { Code } from './codes.js';\nimport dgram from 'node:dgram';\nimport type { Logger } from '../log.js';",
        'enforce/workers.ts': "import { claim } from './jobs.js';\nimport { kick } from '../routeros/api.js';",
      }),
    ).toEqual([]);
  });

  it('a file outside every part, and a computed dynamic import, are failures too', () => {
    expect(run({ 'newthing/x.ts': '', 'web/ops.ts': 'await import(`../${part}/x.js`);' })).toEqual([
      'src/newthing/x.ts belongs to no part: add its folder or name to PARTS and decide its rules',
      'src/web/ops.ts:1 has a dynamic import() with a computed specifier, which cannot be checked',
    ]);
  });
});

describe('src/ keeps its architecture', () => {
  const sources = readSources();
  const violations = check(sources);

  it('reads the whole tree', () => {
    expect(sources.size).toBeGreaterThan(100);
    const imports = [...sources.values()].reduce((n, s) => n + importsOf(s).length, 0);
    expect(imports).toBeGreaterThan(500);
    for (const part of PARTS) expect([...sources.keys()].some((f) => partOf(f) === part), `no file in part ${part}`).toBe(true);
  });

  it('has no forbidden import (docs/architecture.md)', () => {
    expect(violations.filter((v) => !isKnown(v)).map((v) => v.message)).toEqual([]);
  });

  it('lists only known violations that still exist', () => {
    const stale = KNOWN_VIOLATIONS.filter((k) => !violations.some((v) => v.file === k.file && v.specifier === k.specifier && v.rule === k.rule));
    expect(stale, 'fixed: remove these from KNOWN_VIOLATIONS').toEqual([]);
  });
});

/**
 * The repository stands on its own: code, tests, docs and config cite RFC sections and pages under docs/, never
 * notes kept outside the repository or issue numbers, and every docs/ page a source cites exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCANNED = ['src', 'test', 'bench', 'docs', 'config', 'deploy', 'README.md', 'Dockerfile', '.ci'];
const TEXT = /\.(ts|js|md|yaml|yml|json|rsc|sh)$|^(Dockerfile|run|prod-smoke)$/;

// Built from parts so that this file does not match itself.
const OUTSIDE_NOTE = new RegExp(String.raw`(^|[^\w/-])(radius|mikrotik|style)\.md`, 'm');
const ISSUE_REFERENCE = new RegExp(String.raw`\(issue[:\s]|\bissue #?\d+|\bissues show\b`, 'i');
const DOCS_PAGE = /\bdocs\/([\w-]+\.md)/g;

/** Problems of one file's text, as `file:line: what`. */
function problems(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (OUTSIDE_NOTE.test(line)) out.push(`${where}: cites a note outside the repository`);
    if (ISSUE_REFERENCE.test(line)) out.push(`${where}: cites an issue`);
    for (const [, page] of line.matchAll(DOCS_PAGE)) {
      if (!existsSync(path.join(ROOT, 'docs', page!))) out.push(`${where}: cites docs/${page}, which does not exist`);
    }
  });
  return out;
}

function files(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [entry];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(entry, f).split(path.sep).join('/'))
    .filter((f) => !f.includes('golden/') && statSync(path.join(ROOT, f)).isFile() && TEXT.test(path.basename(f)));
}

describe('the citation check (self-test: it can fail)', () => {
  it('catches outside notes, issue numbers and missing docs pages', () => {
    expect(problems('a.ts', ['// see ' + 'radius' + '.md §2', '// (issue' + ': billing)', '// docs' + '/nowhere.md §1'].join('\n'))).toEqual([
      'a.ts:1: cites a note outside the repository',
      'a.ts:2: cites an issue',
      'a.ts:3: cites docs' + '/nowhere.md, which does not exist',
    ]);
    expect(problems('a.ts', '// docs/radius-protocol.md §2, RFC 2865 §3; the zod issue list')).toEqual([]);
  });
});

describe('the repository stands on its own', () => {
  it('cites no outside note or issue, and every cited docs/ page exists', () => {
    const all = SCANNED.flatMap(files);
    expect(all.length).toBeGreaterThan(100);
    expect(all.flatMap((f) => problems(f, readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });
});

#!/usr/bin/env node
/**
 * Applies the patches in this directory to the installed dependencies: `patches/<package>+<version>.patch` (a
 * unified diff, paths relative to the package) to `node_modules/<package>`. `npm install`/`npm ci` run it as the
 * `postinstall` script; installs with `--ignore-scripts` (the Dockerfile, deploy/README.md) run it themselves.
 *
 * Strict, so a patch can never half-apply or land on code it was not written for: the installed version must be the
 * patch's version, and every hunk must match its lines exactly. A file that already carries the patch is left alone,
 * so running it twice changes nothing. No dependencies: it runs before anything is built.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files of a unified diff, each with its hunks: `{ path, hunks: [{ oldStart, newStart, lines: [[op, text]] }] }`. */
export function parsePatch(text) {
  const files = [];
  let file;
  let hunk;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff ')) continue;
    if (line.startsWith('--- ')) {
      file = { path: '', hunks: [] };
      files.push(file);
      hunk = undefined;
    } else if (line.startsWith('+++ ') && file && !hunk) {
      file.path = line.slice(4).replace(/^b\//, '').split('\t')[0];
    } else if (line.startsWith('@@')) {
      const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      if (!m || !file) throw new Error(`malformed hunk header: ${line}`);
      hunk = { oldStart: Number(m[1]), newStart: Number(m[2]), lines: [] };
      file.hunks.push(hunk);
    } else if (hunk && (line[0] === ' ' || line[0] === '-' || line[0] === '+')) {
      hunk.lines.push([line[0], line.slice(1)]);
    } else if (line.startsWith('\\')) {
      throw new Error('patches must end every file with a newline ("\\ No newline at end of file" is not supported)');
    } else if (line !== '') {
      throw new Error(`unexpected line in patch: ${line}`);
    }
  }
  return files;
}

const side = (hunk, keep) => hunk.lines.filter(([op]) => op === ' ' || op === keep).map(([, text]) => text);

function matchesAt(lines, at, expected) {
  return at >= 0 && expected.every((text, i) => lines[at + i] === text);
}

/**
 * `source` with `hunks` applied: `{ text, state: 'applied' }`, or `{ text: source, state: 'already' }` when every hunk's
 * result is already in place. `reverse` undoes the patch instead (tests use it to rebuild the original). Throws,
 * naming the hunk, when the source is neither the patch's original nor its result.
 */
export function applyHunks(source, hunks, { reverse = false, name = 'file' } = {}) {
  const [from, to] = reverse ? ['+', '-'] : ['-', '+'];
  // A side's lines sit at its own start line: the original's at oldStart, the patched file's at newStart.
  const start = (hunk, which) => (which === '-' ? hunk.oldStart : hunk.newStart) - 1;
  const lines = source.split('\n');
  const done = hunks.every((hunk) => matchesAt(lines, start(hunk, to), side(hunk, to)));
  if (done) return { text: source, state: 'already' };
  let shift = 0;
  for (const [index, hunk] of hunks.entries()) {
    const before = side(hunk, from);
    const at = start(hunk, from) + shift;
    if (!matchesAt(lines, at, before)) {
      throw new Error(`${name}: hunk ${index + 1} (line ${at + 1}) does not match the installed code`);
    }
    const after = side(hunk, to);
    lines.splice(at, before.length, ...after);
    shift += after.length - before.length;
  }
  return { text: lines.join('\n'), state: 'applied' };
}

/** `postgres+3.4.9.patch` → { name: 'postgres', version: '3.4.9' }; `@scope+pkg+1.0.0.patch` → '@scope/pkg'. */
export function patchTarget(fileName) {
  const parts = fileName.replace(/\.patch$/, '').split('+');
  const version = parts.pop();
  if (!version || parts.length === 0) throw new Error(`${fileName}: patches are named <package>+<version>.patch`);
  return { name: parts.join('/'), version };
}

/** Applies every patch in `patchesDir` to `nodeModules`; returns one line per file for the install log. */
export function applyPatches({ patchesDir, nodeModules }) {
  const report = [];
  for (const fileName of readdirSync(patchesDir).filter((f) => f.endsWith('.patch')).sort()) {
    const { name, version } = patchTarget(fileName);
    const packageDir = path.join(nodeModules, name);
    let installed;
    try {
      installed = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
    } catch {
      throw new Error(`${fileName}: ${name} is not installed in ${nodeModules}`);
    }
    if (installed !== version) {
      throw new Error(
        `${fileName}: ${name} ${installed} is installed, the patch is for ${version}; ` +
          'check whether that release fixes the defect (patches/README.md) and remove or remake the patch',
      );
    }
    for (const file of parsePatch(readFileSync(path.join(patchesDir, fileName), 'utf8'))) {
      const target = path.join(packageDir, file.path);
      const result = applyHunks(readFileSync(target, 'utf8'), file.hunks, { name: `${fileName}: ${file.path}` });
      if (result.state === 'applied') writeFileSync(target, result.text);
      report.push(`${name}@${version} ${file.path}: ${result.state === 'applied' ? 'patched' : 'already patched'}`);
    }
  }
  return report;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const patchesDir = path.dirname(fileURLToPath(import.meta.url));
  try {
    for (const line of applyPatches({ patchesDir, nodeModules: path.join(patchesDir, '..', 'node_modules') })) {
      process.stdout.write(`patches: ${line}\n`);
    }
  } catch (err) {
    process.stderr.write(`patches: ${err.message}\n`);
    process.exit(1);
  }
}

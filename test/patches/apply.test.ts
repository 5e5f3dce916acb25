/** patches/apply.mjs: strict, idempotent application of the dependency patches. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyHunks, applyPatches, parsePatch, patchTarget } from '../../patches/apply.mjs';

const ORIGINAL = ['one', 'two', 'three', 'four', 'five', ''].join('\n');
const PATCHED = ['one', 'two', 'three and a half', 'four', 'five', 'six', ''].join('\n');
const PATCH = `diff --git a/lib/file.js b/lib/file.js
--- a/lib/file.js
+++ b/lib/file.js
@@ -2,3 +2,3 @@
 two
-three
+three and a half
 four
@@ -5,1 +5,2 @@
 five
+six
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-patches-'));
  mkdirSync(path.join(dir, 'patches'));
  mkdirSync(path.join(dir, 'node_modules', 'demo', 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'patches', 'demo+1.2.3.patch'), PATCH);
  writeFileSync(path.join(dir, 'node_modules', 'demo', 'package.json'), JSON.stringify({ name: 'demo', version: '1.2.3' }));
  writeFileSync(path.join(dir, 'node_modules', 'demo', 'lib', 'file.js'), ORIGINAL);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = () => applyPatches({ patchesDir: path.join(dir, 'patches'), nodeModules: path.join(dir, 'node_modules') });
const installedFile = () => readFileSync(path.join(dir, 'node_modules', 'demo', 'lib', 'file.js'), 'utf8');

describe('applyPatches', () => {
  it('patches the installed package, and a second run changes nothing', () => {
    expect(run()).toEqual(['demo@1.2.3 lib/file.js: patched']);
    expect(installedFile()).toBe(PATCHED);
    expect(run()).toEqual(['demo@1.2.3 lib/file.js: already patched']);
    expect(installedFile()).toBe(PATCHED);
  });

  it('refuses another version of the package', () => {
    writeFileSync(path.join(dir, 'node_modules', 'demo', 'package.json'), JSON.stringify({ version: '1.2.4' }));
    expect(run).toThrow(/demo 1\.2\.4 is installed, the patch is for 1\.2\.3/);
    expect(installedFile()).toBe(ORIGINAL);
  });

  it('refuses code the patch was not written for, naming the hunk, and writes nothing', () => {
    writeFileSync(path.join(dir, 'node_modules', 'demo', 'lib', 'file.js'), ORIGINAL.replace('five', 'FIVE'));
    expect(run).toThrow(/demo\+1\.2\.3\.patch: lib\/file\.js: hunk 2 \(line 5\) does not match/);
    expect(installedFile()).toBe(ORIGINAL.replace('five', 'FIVE'));
  });

  it('refuses a file that carries only part of the patch', () => {
    writeFileSync(path.join(dir, 'node_modules', 'demo', 'lib', 'file.js'), ORIGINAL.replace('three', 'three and a half'));
    expect(run).toThrow(/hunk 1 \(line 2\) does not match/);
  });

  it('names a missing package', () => {
    rmSync(path.join(dir, 'node_modules', 'demo'), { recursive: true });
    expect(run).toThrow(/demo is not installed/);
  });
});

describe('applyHunks', () => {
  it('reverses a patch back to the original', () => {
    const [file] = parsePatch(PATCH);
    expect(applyHunks(PATCHED, file!.hunks, { reverse: true })).toEqual({ text: ORIGINAL, state: 'applied' });
  });
});

describe('patchTarget', () => {
  it('reads package and version from the file name, scoped packages included', () => {
    expect(patchTarget('postgres+3.4.9.patch')).toEqual({ name: 'postgres', version: '3.4.9' });
    expect(patchTarget('@scope+pkg+1.0.0.patch')).toEqual({ name: '@scope/pkg', version: '1.0.0' });
    expect(() => patchTarget('nonsense.patch')).toThrow(/<package>\+<version>\.patch/);
  });
});

/** Test configuration: the example config copied to a temp dir, with files replaced or edited per test. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLE_CONFIG = path.join(ROOT, 'config');

/** Copy the example config; `edit` maps a file name to a function of its text (or a replacement text). */
export function testConfig(edit: Record<string, string | ((text: string) => string)> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-config-'));
  cpSync(EXAMPLE_CONFIG, dir, { recursive: true });
  for (const [file, change] of Object.entries(edit)) {
    const target = path.join(dir, file);
    const before = (() => {
      try {
        return readFileSync(target, 'utf8');
      } catch {
        return '';
      }
    })();
    writeFileSync(target, typeof change === 'string' ? change : change(before));
  }
  return dir;
}

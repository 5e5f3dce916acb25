// Types for patches/apply.mjs (plain JavaScript: it runs at install, before anything is built).
export interface Hunk {
  oldStart: number;
  newStart: number;
  lines: Array<[' ' | '-' | '+', string]>;
}
export interface FilePatch {
  path: string;
  hunks: Hunk[];
}
export function parsePatch(text: string): FilePatch[];
export function applyHunks(
  source: string,
  hunks: Hunk[],
  options?: { reverse?: boolean; name?: string },
): { text: string; state: 'applied' | 'already' };
export function patchTarget(fileName: string): { name: string; version: string };
export function applyPatches(options: { patchesDir: string; nodeModules: string }): string[];
